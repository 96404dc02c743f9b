#include "controller/server/authorizer.h"

#include <string>

#include "controller/server/api_token.h"
#include "controller/store/memory_state_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "microscale/v1/control_plane.pb.h"

namespace microscale {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr const char* kWrites[] = {"ApplyApps", "DeleteApp", "SetDemand", "Cordon", "DeleteNode"};
constexpr const char* kReads[] = {"GetApps",     "DescribeApp", "GetNodes",      "GetContainers",
                                  "WatchEvents", "Version",     "ListEndpoints", "ListControllers"};

class AuthorizerTest : public ::testing::Test {
 protected:
  // Stores a token named `name` with `role`; returns the header that presents it.
  std::string AddToken(const std::string& name, const std::string& role) {
    std::string secret = "mst_secret_of_" + name;
    EXPECT_TRUE(store_.CreateToken(name, role, HashTokenSecret(secret)).ok());
    return "Bearer " + secret;
  }

  FakeClock clock_;
  MemoryStateStore store_{clock_};
  Authorizer auth_{store_, clock_};
};

TEST(RequiredAccess, EveryControlPlaneMethodIsListedAndWritesNeedAdmin) {
  const google::protobuf::ServiceDescriptor* service =
      v1::ApplyAppsRequest::descriptor()->file()->FindServiceByName("ControlPlane");
  ASSERT_NE(service, nullptr);
  ASSERT_EQ(static_cast<size_t>(service->method_count()), std::size(kWrites) + std::size(kReads));
  for (int i = 0; i < service->method_count(); ++i) {
    EXPECT_TRUE(RequiredAccess(service->method(i)->name()).has_value())
        << service->method(i)->name() << " needs an entry in the role table";
  }
  for (const char* method : kWrites) EXPECT_EQ(RequiredAccess(method), Access::kAdmin) << method;
  for (const char* method : kReads) EXPECT_EQ(RequiredAccess(method), Access::kRead) << method;
  EXPECT_FALSE(RequiredAccess("Connect").has_value());
}

TEST(RoleGrants, ReadReadsAdminDoesEverythingOthersNothing) {
  EXPECT_TRUE(RoleGrants("read", Access::kRead));
  EXPECT_FALSE(RoleGrants("read", Access::kAdmin));
  EXPECT_TRUE(RoleGrants("admin", Access::kRead));
  EXPECT_TRUE(RoleGrants("admin", Access::kAdmin));
  EXPECT_FALSE(RoleGrants("Admin", Access::kRead));
  EXPECT_FALSE(RoleGrants("", Access::kRead));
}

TEST_F(AuthorizerTest, OpenWhileNoTokenExists) {
  for (const char* method : kWrites) EXPECT_TRUE(auth_.Check(std::nullopt, method).ok());
  EXPECT_TRUE(auth_.Check("Bearer anything", "ApplyApps").ok());
}

TEST_F(AuthorizerTest, RoleTableOverEveryMethod) {
  std::string read = AddToken("viewer", "read");
  std::string admin = AddToken("ops", "admin");
  for (const char* method : kReads) {
    EXPECT_TRUE(auth_.Check(read, method).ok()) << method;
    EXPECT_TRUE(auth_.Check(admin, method).ok()) << method;
  }
  for (const char* method : kWrites) {
    absl::Status denied = auth_.Check(read, method);
    EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied) << method;
    EXPECT_THAT(std::string(denied.message()),
                AllOf(HasSubstr("token \"viewer\" has role read"), HasSubstr(method),
                      HasSubstr("needs a token with role admin")));
    EXPECT_TRUE(auth_.Check(admin, method).ok()) << method;
  }
  EXPECT_EQ(auth_.Check(admin, "NotAMethod").code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(AuthorizerTest, MissingOrMalformedOrUnknownTokenIsUnauthenticated) {
  AddToken("ops", "admin");
  for (std::optional<std::string_view> header :
       {std::optional<std::string_view>(), std::optional<std::string_view>("Bearer"),
        std::optional<std::string_view>("Bearer   "),
        std::optional<std::string_view>("Basic mst_secret_of_ops")}) {
    absl::Status status = auth_.Check(header, "GetApps");
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << header.value_or("(none)");
    EXPECT_THAT(std::string(status.message()),
                AllOf(HasSubstr("this controller requires a token"), HasSubstr("--token"),
                      HasSubstr("MICROSCALE_TOKEN")));
  }
  absl::Status unknown = auth_.Check("Bearer mst_wrong", "GetApps");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("not known to this controller"));
}

TEST_F(AuthorizerTest, SchemeIsCaseInsensitiveAndSpacesAroundTheSecretDoNotMatter) {
  AddToken("ops", "admin");
  EXPECT_TRUE(auth_.Check("bearer mst_secret_of_ops", "ApplyApps").ok());
  EXPECT_TRUE(auth_.Check("BEARER  mst_secret_of_ops ", "ApplyApps").ok());
}

TEST_F(AuthorizerTest, NewTokenIsSeenOnItsFirstUseOnceTheReloadGapPassed) {
  std::string admin = AddToken("ops", "admin");
  ASSERT_TRUE(auth_.Check(admin, "GetApps").ok());  // the table is cached now
  std::string fresh = AddToken("ci", "read");
  clock_.Advance(absl::Milliseconds(250));
  EXPECT_TRUE(auth_.Check(fresh, "GetApps").ok());
}

TEST_F(AuthorizerTest, RevokedTokenIsRefusedAfterTheRefreshPeriod) {
  std::string admin = AddToken("ops", "admin");
  std::string read = AddToken("viewer", "read");
  ASSERT_TRUE(auth_.Check(read, "GetApps").ok());
  ASSERT_TRUE(store_.DeleteToken("viewer").ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(auth_.Check(read, "GetApps").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(auth_.Check(admin, "GetApps").ok());
}

TEST_F(AuthorizerTest, FirstTokenClosesTheApiAndRevokingTheLastOpensIt) {
  ASSERT_TRUE(auth_.Check(std::nullopt, "ApplyApps").ok());
  AddToken("ops", "admin");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(auth_.Check(std::nullopt, "ApplyApps").code(), absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(store_.DeleteToken("ops").ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(auth_.Check(std::nullopt, "ApplyApps").ok());
}

}  // namespace
}  // namespace microscale
