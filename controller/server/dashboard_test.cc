// The dashboard's page and HTTP API on a whole controller in-process (SQLite store in a temp
// dir, a fake agent on loopback gRPC): the page's security headers, the API's JSON in the
// CLI's shapes, the history, the stream, and the controls under the CLI's rules.
#include "controller/server/dashboard.h"

#include <atomic>
#include <cctype>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/format_apps.h"
#include "common/clock.h"
#include "common/manifest/app_proto.h"
#include "controller/server/api_token.h"
#include "controller/server/controller.h"
#include "controller/server/dashboard_assets.h"
#include "controller/server/testing/fake_agent.h"
#include "controller/server/testing/test_controller.h"
#include "controller/store/sqlite_state_store.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "microscale/v1/control_plane.grpc.pb.h"
#include "nlohmann/json.hpp"

namespace microscale {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(IsLoopbackIpTest, KnowsLoopbackFromTheRest) {
  for (const char* ip : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackIp(ip)) << ip;
  }
  for (const char* ip :
       {"10.0.0.5", "192.168.1.1", "::ffff:10.0.0.1", "fe80::1", "", "1.127.0.0"}) {
    EXPECT_FALSE(IsLoopbackIp(ip)) << ip;
  }
}

TEST(CheckControlOriginTest, AnotherHostNeedsATokenToExist) {
  EXPECT_TRUE(CheckControlOrigin(false, "127.0.0.1").ok());
  EXPECT_TRUE(CheckControlOrigin(true, "10.0.0.5").ok()) << "its token decides";
  absl::Status refused = CheckControlOrigin(false, "10.0.0.5");
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("token create"));
}

// The page's own files never turn data into markup.
TEST(DashboardAssetsTest, NoMarkupFromDataAndNoInlineScript) {
  const std::string js = dashboard_assets::kDashboardJs;
  for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                           "eval(", "new Function"}) {
    EXPECT_FALSE(absl::StrContains(js, sink)) << sink;
  }
  const std::string html = dashboard_assets::kIndexHtml;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    const std::string tag = html.substr(at, html.find('>', at) - at);
    EXPECT_TRUE(absl::StrContains(tag, " src=")) << "inline script: " << tag;
  }
  for (size_t at = html.find(" on"); at != std::string::npos; at = html.find(" on", at + 1)) {
    size_t end = at + 3;
    while (end < html.size() && std::islower(static_cast<unsigned char>(html[end]))) ++end;
    EXPECT_FALSE(end > at + 3 && end < html.size() && html[end] == '=')
        << "inline handler: " << html.substr(at, end - at + 1);
  }
  EXPECT_FALSE(absl::StrContains(html, "<style")) << "inline style sheet";
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Controller>> started =
        StartTestController(dir_.path(), RealClock::Get());
    ASSERT_TRUE(started.ok()) << started.status();
    controller_ = *std::move(started);
    const std::string target = absl::StrCat("127.0.0.1:", controller_->grpc_port());
    api_ =
        v1::ControlPlane::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    FakeAgentOptions agent;
    agent.node = "node-1";
    agent_ = std::make_unique<FakeAgent>(agent);
    ASSERT_TRUE(agent_->Connect(target).ok());
    v1::ApplyAppsRequest apply;
    *apply.add_apps() = StaticApp("web", 1, 5);
    v1::ApplyAppsResponse applied;
    grpc::ClientContext context;
    ASSERT_TRUE(api_->ApplyApps(&context, apply, &applied).ok());
    absl::StatusOr<std::unique_ptr<SqliteStateStore>> tokens = SqliteStateStore::Open(dir_.path());
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = *std::move(tokens);
  }

  httplib::Client Http() {
    httplib::Client client("127.0.0.1", controller_->http_port());
    client.set_read_timeout(10);
    return client;
  }

  json GetJson(const std::string& path, int* status = nullptr) {
    httplib::Result got = Http().Get(path);
    if (!got) return nullptr;
    if (status != nullptr) *status = got->status;
    return json::parse(got->body, nullptr, false);
  }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& token = "",
                       const std::string& type = "application/json") {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return Http().Post(path, headers, body, type);
  }

  int32_t Desired(const std::string& app) {
    json apps = GetJson("/api/v1/apps");
    if (!apps.is_object()) return -1;
    for (const json& item : apps["items"]) {
      if (item["metadata"]["name"] == app) return item["status"]["desired"].get<int32_t>();
    }
    return -1;
  }

  std::string CreateToken(const std::string& name, const std::string& role) {
    absl::StatusOr<std::string> secret = NewTokenSecret();
    EXPECT_TRUE(secret.ok());
    EXPECT_TRUE(tokens_->CreateToken(name, role, HashTokenSecret(*secret)).ok());
    return *secret;
  }

  TempDataDir dir_;
  std::unique_ptr<Controller> controller_;
  std::unique_ptr<v1::ControlPlane::Stub> api_;
  std::unique_ptr<FakeAgent> agent_;
  std::unique_ptr<SqliteStateStore> tokens_;
};

TEST_F(DashboardTest, ThePageIsServedWithAPolicyThatAllowsNoInlineScript) {
  httplib::Result page = Http().Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->get_header_value("Content-Type"), HasSubstr("text/html"));
  const std::string policy = page->get_header_value("Content-Security-Policy");
  EXPECT_THAT(policy, HasSubstr("script-src 'self'"));
  EXPECT_THAT(policy, HasSubstr("default-src 'none'"));
  EXPECT_FALSE(absl::StrContains(policy, "unsafe-inline"));
  EXPECT_THAT(page->body, HasSubstr("<script src=\"/dashboard.js\""));
  for (const char* asset : {"/dashboard.js", "/dashboard.css"}) {
    httplib::Result got = Http().Get(asset);
    ASSERT_TRUE(got) << asset;
    EXPECT_EQ(got->status, 200) << asset;
    EXPECT_FALSE(got->body.empty()) << asset;
  }
}

// /api/v1/apps is what `microscalectl get apps -o json` prints for the same state.
TEST_F(DashboardTest, TheApiAnswersInTheCliShapes) {
  ASSERT_TRUE(WaitUntil([&] {
    v1::GetAppsResponse apps;
    grpc::ClientContext context;
    if (!api_->GetApps(&context, {}, &apps).ok()) return false;
    return GetJson("/api/v1/apps") == cli::AppListJson(apps.apps());
  }));
  json nodes = GetJson("/api/v1/nodes");
  ASSERT_TRUE(nodes.is_object());
  EXPECT_EQ(nodes["kind"], "NodeList");
  EXPECT_EQ(nodes["items"][0]["metadata"]["name"], "node-1");
  json containers = GetJson("/api/v1/containers?limit=1");
  ASSERT_TRUE(containers.is_object());
  EXPECT_EQ(containers["kind"], "ContainerList");
  json events = GetJson("/api/v1/events");
  ASSERT_TRUE(events.is_object());
  EXPECT_EQ(events["kind"], "EventList");
  int status = 0;
  json bad = GetJson("/api/v1/containers?limit=0", &status);
  EXPECT_EQ(status, 400);
  EXPECT_THAT(bad["error"].get<std::string>(), HasSubstr("limit"));
}

TEST_F(DashboardTest, TheHistoryHoldsEachAppsFigures) {
  ASSERT_TRUE(WaitUntil([&] {
    json history = GetJson("/api/v1/history");
    return history.is_object() && history["items"].size() == 1 &&
           history["items"][0]["app"] == "web" && !history["items"][0]["samples"].empty();
  }));
  json history = GetJson("/api/v1/history");
  EXPECT_EQ(history["kind"], "AppHistoryList");
  EXPECT_EQ(history["columns"],
            json::array({"unixMs", "demand", "desired", "allocated", "running"}));
  EXPECT_EQ(history["items"][0]["samples"][0].size(), 5u);
}

// A follower of the stream sees a change made elsewhere within a few seconds.
TEST_F(DashboardTest, TheStreamShowsAChangeWithinSeconds) {
  std::atomic<bool> saw_three{false};
  std::atomic<int> snapshots{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    httplib::Client client("127.0.0.1", controller_->http_port());
    client.set_read_timeout(30);
    std::string buffer;
    client.Get("/api/v1/stream", [&](const char* data, size_t n) {
      buffer.append(data, n);
      size_t end;
      while ((end = buffer.find("\n\n")) != std::string::npos) {
        std::string block = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        size_t at = block.find("data: ");
        if (at == std::string::npos) continue;
        json snapshot = json::parse(block.substr(at + 6), nullptr, false);
        if (!snapshot.is_object()) continue;
        ++snapshots;
        for (const json& app : snapshot["apps"]) {
          if (app["name"] == "web" && app["desired"] == 3) saw_three = true;
        }
      }
      return !stop.load();
    });
  });
  ASSERT_TRUE(WaitUntil([&] { return snapshots.load() >= 1; }));
  v1::SetDemandRequest set;
  set.set_app("web");
  set.set_value(3);
  v1::SetDemandResponse done;
  grpc::ClientContext context;
  ASSERT_TRUE(api_->SetDemand(&context, set, &done).ok());
  EXPECT_TRUE(WaitUntil([&] { return saw_three.load(); }, absl::Seconds(20)));
  EXPECT_GE(snapshots.load(), 2);
  stop = true;
  reader.join();
}

TEST_F(DashboardTest, ControlsFollowTheCliRules) {
  // A form can only send text/plain, urlencoded or multipart: refused.
  httplib::Result form = Post("/api/v1/apps/web/demand", "value=3", "", "text/plain");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  httplib::Result bad = Post("/api/v1/apps/web/demand", R"({"value": -1})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("value"));
  httplib::Result missing = Post("/api/v1/apps/nope/demand", R"({"value": 1})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  httplib::Result set = Post("/api/v1/apps/web/demand", R"({"value": 4})");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200) << set->body;
  EXPECT_TRUE(WaitUntil([&] { return Desired("web") == 4; }));

  // Once a token exists, a control needs an admin token; reads need one too.
  const std::string reader = CreateToken("viewer", "read");
  const std::string admin = CreateToken("ops", "admin");
  ASSERT_TRUE(WaitUntil([&] {
    httplib::Result r = Post("/api/v1/apps/web/demand", R"({"value": 5})");
    return r && r->status == 401;
  })) << "refused without a token";
  httplib::Result read_only = Post("/api/v1/apps/web/demand", R"({"value": 5})", reader);
  ASSERT_TRUE(read_only);
  EXPECT_EQ(read_only->status, 403) << read_only->body;
  int status = 0;
  GetJson("/api/v1/apps", &status);
  EXPECT_EQ(status, 401);
  httplib::Result granted = Post("/api/v1/apps/web/demand", R"({"value": 5})", admin);
  ASSERT_TRUE(granted);
  EXPECT_EQ(granted->status, 200) << granted->body;

  httplib::Result cordon = Post("/api/v1/nodes/node-1/cordon", R"({"cordon": true})", admin);
  ASSERT_TRUE(cordon);
  EXPECT_EQ(cordon->status, 200) << cordon->body;
  httplib::Headers auth{{"Authorization", "Bearer " + admin}};
  httplib::Result nodes = Http().Get("/api/v1/nodes", auth);
  ASSERT_TRUE(nodes);
  EXPECT_EQ(json::parse(nodes->body)["items"][0]["status"]["state"], "Cordoned");
  httplib::Result random = Post("/api/v1/apps/web/random", R"({"min": 1, "max": 2})", admin);
  ASSERT_TRUE(random);
  EXPECT_EQ(random->status, 400) << "web reads a static source";
  EXPECT_THAT(random->body, HasSubstr("only a random source has a range"));

  // A random source's range changes through an apply of its spec.
  absl::StatusOr<AppSpec> dice = AppFromProto(StaticApp("dice", 2, 5));
  ASSERT_TRUE(dice.ok());
  dice->demand.source = DemandSourceKind::kRandom;
  dice->demand.random.min = 0;
  dice->demand.random.max = 3;
  dice->demand.value.reset();
  v1::ApplyAppsRequest apply;
  *apply.add_apps() = AppToProto(*dice);
  v1::ApplyAppsResponse applied;
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + admin);
  grpc::Status applied_dice = api_->ApplyApps(&context, apply, &applied);
  ASSERT_TRUE(applied_dice.ok()) << applied_dice.error_message();
  httplib::Result range = Post("/api/v1/apps/dice/random", R"({"min": 1, "max": 2})", admin);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 200) << range->body;
  httplib::Result apps = Http().Get("/api/v1/apps", auth);
  ASSERT_TRUE(apps);
  const json listed = json::parse(apps->body);  // the loop below reads into it
  for (const json& item : listed["items"]) {
    if (item["metadata"]["name"] != "dice") continue;
    EXPECT_EQ(item["spec"]["demand"]["random"]["min"], 1.0);
    EXPECT_EQ(item["spec"]["demand"]["random"]["max"], 2.0);
  }
}

}  // namespace
}  // namespace microscale
