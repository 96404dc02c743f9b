#include "controller/store/store_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::store_internal {
namespace {

TEST(InstanceOrdinalTest, ReadsTheNumberAfterTheAppName) {
  EXPECT_EQ(InstanceOrdinal("web", "web-0"), 0);
  EXPECT_EQ(InstanceOrdinal("web", "web-42"), 42);
  EXPECT_EQ(InstanceOrdinal("web-api", "web-api-7"), 7);
}

TEST(InstanceOrdinalTest, RejectsOtherShapes) {
  EXPECT_EQ(InstanceOrdinal("web", "web"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "web-"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "webx-1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "web-1a"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "web--1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "api-1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("", "-1"), std::nullopt);
}

TEST(CheckAssignmentsTest, RejectsEmptyAndDuplicateInstances) {
  v1::Container a;
  a.set_instance("web-1");
  v1::Container empty;
  EXPECT_TRUE(CheckAssignments({a}).ok());
  EXPECT_EQ(CheckAssignments({a, a}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckAssignments({empty}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SameSpecTest, IgnoresMapOrderButSeesChanges) {
  v1::AppSpec a;
  a.set_name("web");
  (*a.mutable_env())["A"] = "1";
  (*a.mutable_env())["B"] = "2";
  v1::AppSpec b;
  b.set_name("web");
  (*b.mutable_env())["B"] = "2";
  (*b.mutable_env())["A"] = "1";
  EXPECT_TRUE(SameSpec(a, b));
  b.set_priority(3);
  EXPECT_FALSE(SameSpec(a, b));
}

}  // namespace
}  // namespace microscale::store_internal
