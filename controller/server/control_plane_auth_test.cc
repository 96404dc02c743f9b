// The whole controller in-process (SQLite store in a temp dir, loopback gRPC) with tokens
// created through a second store connection on the same data directory, as
// `microscale-controller token` does: who may call what, how a token comes and goes while
// the controller runs, and the apply limits refused with nothing applied.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "controller/server/api_token.h"
#include "controller/server/controller.h"
#include "controller/server/testing/fake_agent.h"
#include "controller/server/testing/test_controller.h"
#include "controller/store/sqlite_state_store.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int kMaxApps = 3;

class ControlPlaneAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControllerConfig config;
    config.grpc_addr = "127.0.0.1:0";
    config.http_addr = "127.0.0.1:0";
    config.data_dir = dir_.path();
    config.cluster_name = "test";
    config.startup_grace = absl::ZeroDuration();
    config.max_apps = kMaxApps;
    absl::StatusOr<std::unique_ptr<Controller>> started = Controller::Start(config, "test", clock_);
    ASSERT_TRUE(started.ok()) << started.status();
    controller_ = *std::move(started);
    target_ = absl::StrCat("127.0.0.1:", controller_->grpc_port());
    api_ = NewStub();
    absl::StatusOr<std::unique_ptr<SqliteStateStore>> tokens = SqliteStateStore::Open(dir_.path());
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = *std::move(tokens);
  }

  // A stub on a connection of its own (a new gRPC peer).
  std::unique_ptr<v1::ControlPlane::Stub> NewStub() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return v1::ControlPlane::NewStub(
        grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args));
  }

  // Stores a token and returns its secret, as `token create` prints it.
  std::string CreateToken(const std::string& name, const std::string& role) {
    absl::StatusOr<std::string> secret = NewTokenSecret();
    EXPECT_TRUE(secret.ok());
    EXPECT_TRUE(tokens_->CreateToken(name, role, HashTokenSecret(*secret)).ok());
    // The controller reads its token table again at least once a second.
    clock_.Advance(absl::Seconds(1));
    return *secret;
  }

  static void Authorize(grpc::ClientContext& context, const std::string& secret) {
    if (!secret.empty()) context.AddMetadata("authorization", "Bearer " + secret);
  }

  grpc::Status Apply(const std::vector<v1::AppSpec>& apps, const std::string& secret = "",
                     bool dry_run = false) {
    v1::ApplyAppsRequest request;
    for (const v1::AppSpec& app : apps) *request.add_apps() = app;
    request.set_dry_run(dry_run);
    v1::ApplyAppsResponse response;
    grpc::ClientContext context;
    Authorize(context, secret);
    return api_->ApplyApps(&context, request, &response);
  }

  grpc::Status GetApps(const std::string& secret, std::vector<std::string>* names = nullptr) {
    v1::GetAppsResponse response;
    grpc::ClientContext context;
    Authorize(context, secret);
    grpc::Status status = api_->GetApps(&context, v1::GetAppsRequest(), &response);
    if (names != nullptr) {
      names->clear();
      for (const v1::App& app : response.apps()) names->push_back(app.spec().name());
    }
    return status;
  }

  // microscale_api_refused_total{reason} from the controller's /metrics.
  double Refused(const std::string& reason) {
    httplib::Client http("127.0.0.1", controller_->http_port());
    httplib::Result got = http.Get("/metrics");
    EXPECT_TRUE(got && got->status == 200);
    if (!got) return -1;
    const std::string prefix =
        absl::StrCat("microscale_api_refused_total{reason=\"", reason, "\"} ");
    for (absl::string_view line : absl::StrSplit(got->body, '\n')) {
      if (absl::StartsWith(line, prefix)) return std::stod(std::string(line.substr(prefix.size())));
    }
    ADD_FAILURE() << "no " << prefix << " in\n" << got->body;
    return -1;
  }

  // The names of the stored apps, read with `secret`.
  std::vector<std::string> AppNames(const std::string& secret) {
    std::vector<std::string> names;
    grpc::Status status = GetApps(secret, &names);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return names;
  }

  FakeClock clock_;
  TempDataDir dir_;
  std::unique_ptr<Controller> controller_;
  std::string target_;
  std::unique_ptr<v1::ControlPlane::Stub> api_;
  std::unique_ptr<SqliteStateStore> tokens_;
};

TEST_F(ControlPlaneAuthTest, OpenWhileNoTokenExists) {
  EXPECT_TRUE(Apply({StaticApp("web", 1, 3)}).ok());
  EXPECT_THAT(AppNames(""), ::testing::ElementsAre("web"));
}

TEST_F(ControlPlaneAuthTest, WithoutATokenCallsAreUnauthenticatedAndSayWhatToDo) {
  CreateToken("ops", "admin");
  grpc::Status status = GetApps("");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), AllOf(HasSubstr("this controller requires a token"),
                                            HasSubstr("--token"), HasSubstr("MICROSCALE_TOKEN")));
  status = GetApps("mst_0000");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("not known to this controller"));
  EXPECT_EQ(Apply({StaticApp("web", 1, 3)}).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Refused("unauthenticated"), 3);
  EXPECT_EQ(Refused("denied"), 0);
}

TEST_F(ControlPlaneAuthTest, ReadTokenReadsButCannotWriteAndNothingIsApplied) {
  std::string admin = CreateToken("ops", "admin");
  std::string read = CreateToken("viewer", "read");
  EXPECT_TRUE(GetApps(read).ok());
  {
    grpc::ClientContext context;
    Authorize(context, read);
    v1::VersionResponse version;
    EXPECT_TRUE(api_->Version(&context, v1::VersionRequest(), &version).ok());
  }
  {
    grpc::ClientContext context;
    Authorize(context, read);
    v1::GetNodesResponse nodes;
    EXPECT_TRUE(api_->GetNodes(&context, v1::GetNodesRequest(), &nodes).ok());
  }
  {
    grpc::ClientContext context;
    Authorize(context, read);
    std::unique_ptr<grpc::ClientReader<v1::Event>> events =
        api_->WatchEvents(&context, v1::WatchEventsRequest());
    v1::Event event;
    while (events->Read(&event)) {
    }
    EXPECT_TRUE(events->Finish().ok());
  }
  grpc::Status status = Apply({StaticApp("web", 1, 3)}, read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), AllOf(HasSubstr("token \"viewer\" has role read"),
                                            HasSubstr("ApplyApps"), HasSubstr("role admin")));
  EXPECT_TRUE(AppNames(admin).empty());
  {
    grpc::ClientContext context;
    Authorize(context, read);
    v1::DeleteAppRequest request;
    request.set_name("web");
    v1::DeleteAppResponse response;
    EXPECT_EQ(api_->DeleteApp(&context, request, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(Refused("denied"), 2);
  EXPECT_EQ(Refused("unauthenticated"), 0);
}

TEST_F(ControlPlaneAuthTest, AdminTokenAppliesAndDeletes) {
  std::string admin = CreateToken("ops", "admin");
  ASSERT_TRUE(Apply({StaticApp("web", 1, 3)}, admin).ok());
  EXPECT_THAT(AppNames(admin), ::testing::ElementsAre("web"));
  grpc::ClientContext context;
  Authorize(context, admin);
  v1::DeleteAppRequest request;
  request.set_name("web");
  v1::DeleteAppResponse response;
  EXPECT_TRUE(api_->DeleteApp(&context, request, &response).ok());
}

TEST_F(ControlPlaneAuthTest, TokenCreatedOrRevokedWhileRunningTakesEffectWithoutRestart) {
  std::string admin = CreateToken("ops", "admin");
  ASSERT_TRUE(GetApps(admin).ok());
  std::string read = CreateToken("viewer", "read");
  EXPECT_TRUE(GetApps(read).ok());
  ASSERT_TRUE(tokens_->DeleteToken("viewer").ok());
  clock_.Advance(absl::Seconds(1));
  grpc::Status status = GetApps(read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(GetApps(admin).ok());
}

TEST_F(ControlPlaneAuthTest, AgentsConnectWithoutATokenWhileTokensExist) {
  std::string admin = CreateToken("ops", "admin");
  FakeAgentOptions options;
  options.node = "n1";
  FakeAgent agent(options);
  ASSERT_TRUE(agent.Connect(target_).ok());
  grpc::ClientContext context;
  Authorize(context, admin);
  v1::GetNodesResponse nodes;
  ASSERT_TRUE(api_->GetNodes(&context, v1::GetNodesRequest(), &nodes).ok());
  ASSERT_EQ(nodes.nodes_size(), 1);
  EXPECT_EQ(nodes.nodes(0).name(), "n1");
}

TEST_F(ControlPlaneAuthTest, ApplyOverOneMebibyteIsRefusedWithNothingApplied) {
  std::vector<v1::AppSpec> apps;
  for (int i = 0; i < 2; ++i) {
    v1::AppSpec app = StaticApp(absl::StrCat("big", i), 1, 3);
    for (int v = 0; v < 20; ++v)
      (*app.mutable_env())[absl::StrCat("V", v)] = std::string(30000, 'x');
    apps.push_back(app);
  }
  grpc::Status status = Apply(apps);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), AllOf(HasSubstr("the limit is 1048576 bytes (1 MiB)"),
                                            HasSubstr("Nothing was applied")));
  EXPECT_TRUE(AppNames("").empty());
  EXPECT_EQ(Refused("too_large"), 1);
}

TEST_F(ControlPlaneAuthTest, AppLimitIsRefusedWithNothingApplied) {
  ASSERT_TRUE(Apply({StaticApp("a", 1, 3), StaticApp("b", 1, 3)}).ok());
  for (bool dry_run : {true, false}) {
    grpc::Status status = Apply({StaticApp("c", 1, 3), StaticApp("d", 1, 3)}, "", dry_run);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(), AllOf(HasSubstr("app limit: this apply would make 4 apps"),
                                              HasSubstr("at most 3 (--max-apps)")));
  }
  EXPECT_THAT(AppNames(""), ::testing::ElementsAre("a", "b"));
  // Updating an app does not count against the limit.
  EXPECT_TRUE(Apply({StaticApp("a", 2, 3), StaticApp("c", 1, 3)}).ok());
  EXPECT_THAT(AppNames(""), ::testing::ElementsAre("a", "b", "c"));
}

TEST_F(ControlPlaneAuthTest, FloodOnOneConnectionIsRateLimitedOthersAreNot) {
  grpc::Status refused;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int i = 0; i < 100000 && absl::Now() < deadline && refused.ok(); ++i) {
    grpc::ClientContext context;
    v1::VersionResponse version;
    refused = api_->Version(&context, v1::VersionRequest(), &version);
  }
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("rate limit: at most 200 requests per second"));
  EXPECT_GE(Refused("rate_limited"), 1);
  std::unique_ptr<v1::ControlPlane::Stub> other = NewStub();
  grpc::ClientContext context;
  v1::VersionResponse version;
  EXPECT_TRUE(other->Version(&context, v1::VersionRequest(), &version).ok());
}

}  // namespace
}  // namespace microscale
