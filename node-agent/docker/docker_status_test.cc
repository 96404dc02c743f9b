#include "node-agent/docker/docker_status.h"

#include <gtest/gtest.h>

namespace microscale::docker {
namespace {

absl::StatusCode CodeOf(int http, ConflictMeans conflict = ConflictMeans::kFailedPrecondition) {
  return StatusFromReply("op", HttpReply{http, R"({"message":"m"})"}, conflict).code();
}

TEST(StatusFromReplyTest, MapsHttpCodes) {
  EXPECT_EQ(CodeOf(200), absl::StatusCode::kOk);
  EXPECT_EQ(CodeOf(201), absl::StatusCode::kOk);
  EXPECT_EQ(CodeOf(204), absl::StatusCode::kOk);
  EXPECT_EQ(CodeOf(304), absl::StatusCode::kOk);
  EXPECT_EQ(CodeOf(400), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(404), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(409), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(409, ConflictMeans::kAlreadyExists), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeOf(500), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeOf(503), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeOf(401), absl::StatusCode::kFailedPrecondition);
}

TEST(StatusFromReplyTest, KeepsTheEngineMessage) {
  absl::Status s =
      StatusFromReply("inspect", HttpReply{404, R"({"message":"No such container: x"})"});
  EXPECT_EQ(s.message(), "docker inspect: No such container: x (HTTP 404)");
}

}  // namespace
}  // namespace microscale::docker
