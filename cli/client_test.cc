// Tests of every command against FakeControlPlane, an in-process TEST DOUBLE of the
// controller's ControlPlane service served by a real gRPC server on 127.0.0.1.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/testing/fake_control_plane.h"
#include "cli/testing/run_cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {
namespace {

using testing::CliResult;
using ::testing::ContainsRegex;
using testing::FakeControlPlaneServer;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::RunCliForTest;

constexpr char kWebManifest[] = R"(apiVersion: microscale.io/v1
kind: App
metadata:
  name: web
spec:
  priority: 1
  image: microscale/demo:latest
  replicas: {min: 0, max: 5}
  demand:
    source: static
    value: 3
)";

constexpr char kTwoApps[] = R"(apiVersion: microscale.io/v1
kind: App
metadata:
  name: web
spec:
  priority: 1
  image: microscale/demo:latest
  replicas: {min: 0, max: 5}
  demand: {source: static, value: 3}
---
apiVersion: microscale.io/v1
kind: App
metadata:
  name: worker
spec:
  priority: 2
  image: microscale/demo:latest
  replicas: {min: 1, max: 4}
  demand: {source: static, value: 1}
)";

// Valid apart from replicas.max, which is required.
constexpr char kMissingMax[] = R"(apiVersion: microscale.io/v1
kind: App
metadata:
  name: web
spec:
  priority: 1
  image: microscale/demo:latest
  replicas: {min: 0}
  demand: {source: static, value: 3}
)";

v1::App MakeApp(const std::string& name, const std::string& source) {
  v1::App app;
  app.mutable_spec()->set_name(name);
  app.mutable_spec()->set_priority(1);
  app.mutable_spec()->set_image("microscale/demo:latest");
  app.mutable_spec()->mutable_replicas()->set_max(5);
  app.mutable_spec()->mutable_demand()->set_source(source);
  app.mutable_status()->set_desired(2);
  app.mutable_status()->set_allocated(2);
  app.mutable_status()->set_running(1);
  return app;
}

v1::Node MakeNode(const std::string& name) {
  v1::Node node;
  node.set_name(name);
  node.set_state("Ready");
  node.mutable_capacity()->set_cpu_millis(2000);
  node.mutable_capacity()->set_memory_bytes(int64_t{1} << 30);
  node.set_registered_unix_ms(absl::ToUnixMillis(absl::Now()) - 90000);
  return node;
}

v1::Container MakeContainer(const std::string& instance, const std::string& app,
                            const std::string& node) {
  v1::Container container;
  container.set_instance(instance);
  container.set_app(app);
  container.set_node(node);
  container.set_state(v1::CONTAINER_STATE_RUNNING);
  return container;
}

v1::Endpoint MakeEndpoint(const std::string& instance, const std::string& app,
                          const std::string& address, bool ready) {
  v1::Endpoint endpoint;
  endpoint.set_app(app);
  endpoint.set_instance(instance);
  endpoint.set_node("node-1");
  endpoint.set_port_name("http");
  endpoint.set_container_port(8080);
  endpoint.set_address(address);
  endpoint.set_ready(ready);
  endpoint.set_priority(1);
  return endpoint;
}

v1::Event MakeEvent(const std::string& kind, const std::string& object,
                    const std::string& message) {
  v1::Event event;
  event.set_unix_ms(absl::ToUnixMillis(absl::Now()));
  event.set_kind(kind);
  event.set_object(object);
  event.set_message(message);
  return event;
}

// A manifest file that is removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char path[] = "/tmp/microscalectl-test-XXXXXX";
    int fd = mkstemp(path);
    path_ = path;
    if (fd >= 0) close(fd);
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class CliTest : public ::testing::Test {
 protected:
  CliResult Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--controller", server_.address()});
    return RunCliForTest(args, stdin_text);
  }
  testing::FakeControlPlane& fake() { return server_.service(); }

  FakeControlPlaneServer server_;
};

TEST_F(CliTest, ApplyCreatesThenReportsUnchangedThenConfigured) {
  TempFile file(kWebManifest);
  CliResult first = Run({"apply", "-f", file.path()});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "app/web created\n");
  v1::ApplyAppsRequest sent = fake().last_apply();
  ASSERT_EQ(sent.apps_size(), 1);
  EXPECT_EQ(sent.apps(0).name(), "web");
  EXPECT_EQ(sent.apps(0).priority(), 1);
  EXPECT_EQ(sent.apps(0).replicas().max(), 5);
  EXPECT_FALSE(sent.dry_run());

  EXPECT_EQ(Run({"apply", "-f", file.path()}).out, "app/web unchanged\n");
  TempFile changed(absl::StrReplaceAll(kWebManifest, {{"max: 5", "max: 6"}}));
  EXPECT_EQ(Run({"apply", "-f", changed.path()}).out, "app/web configured\n");
}

TEST_F(CliTest, ApplyDryRunChangesNothing) {
  TempFile file(kTwoApps);
  CliResult result = Run({"apply", "-f", file.path(), "--dry-run"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "app/web created (dry run)\napp/worker created (dry run)\n");
  EXPECT_TRUE(fake().last_apply().dry_run());
  EXPECT_THAT(fake().apps(), IsEmpty());
}

TEST_F(CliTest, ApplyReadsStandardInput) {
  CliResult result = Run({"apply", "-f", "-"}, kTwoApps);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "app/web created\napp/worker created\n");
  EXPECT_EQ(fake().last_apply().apps_size(), 2);
}

// kubectl habit: what `get apps -o yaml` (or json) prints is applied again as it is.
TEST_F(CliTest, GetAppsOutputAppliesAgain) {
  ASSERT_EQ(Run({"apply", "-f", "-"}, kTwoApps).exit_code, 0);
  const v1::ApplyAppsRequest first = fake().last_apply();
  for (const char* format : {"yaml", "json"}) {
    CliResult got = Run({"get", "apps", "-o", format});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    CliResult again = Run({"apply", "-f", "-"}, got.out);
    EXPECT_EQ(again.exit_code, 0) << format << ": " << again.err;
    EXPECT_EQ(again.out, "app/web unchanged\napp/worker unchanged\n") << format;
    v1::ApplyAppsRequest sent = fake().last_apply();
    ASSERT_EQ(sent.apps_size(), 2) << format;
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(sent.apps(i).SerializeAsString(), first.apps(i).SerializeAsString()) << format;
    }
  }
}

TEST_F(CliTest, InvalidManifestFailsBeforeAnyRequest) {
  TempFile file(kMissingMax);
  CliResult result = Run({"apply", "-f", file.path()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("Error: " + file.path() + ": "));
  EXPECT_THAT(result.err, HasSubstr("spec.replicas.max"));
  EXPECT_EQ(fake().calls("ApplyApps"), 0);
}

TEST_F(CliTest, UnreadableFileFailsBeforeAnyRequest) {
  CliResult result = Run({"apply", "-f", "/nonexistent/apps.yaml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("Error: cannot read /nonexistent/apps.yaml"));
  CliResult dir = Run({"apply", "-f", "/tmp"});
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_THAT(dir.err, HasSubstr("is a directory"));
  CliResult empty = Run({"apply", "-f", "-"}, "");
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_EQ(fake().calls("ApplyApps"), 0);
}

TEST_F(CliTest, ApplyShowsServerRejection) {
  fake().FailMethod("ApplyApps", grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                              "app web: spec.network: host is refused"));
  TempFile file(kWebManifest);
  CliResult result = Run({"apply", "-f", file.path()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "Error: app web: spec.network: host is refused\n");
}

// UNAVAILABLE from a controller that answers (a standby whose etcd is down) is its own
// word, shown as it is, not "cannot reach the controller".
TEST_F(CliTest, UnavailableFromAControllerThatAnswersShowsItsReason) {
  fake().FailMethod("SetDemand", grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                              "controller c2 cannot reach etcd, the state store"));
  CliResult result = Run({"demand", "set", "web", "3"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("cannot serve this now: controller c2 cannot reach etcd"));
  EXPECT_THAT(result.err, Not(HasSubstr("cannot reach the controller at")));
}

TEST_F(CliTest, ApplyWaitReturnsWhenAppsRun) {
  // Each poll starts one more container, as a controller would over time.
  fake().OnGetApps([](std::vector<v1::App>& apps) {
    for (v1::App& app : apps) {
      v1::AppStatus& status = *app.mutable_status();
      status.set_demand(3);
      status.set_desired(2);
      status.set_allocated(2);
      if (status.running() < 2) status.set_running(status.running() + 1);
    }
  });
  TempFile file(kWebManifest);
  CliResult result = Run({"apply", "-f", file.path(), "--wait", "--wait-timeout", "30s"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("app/web created\n"));
  EXPECT_THAT(result.out, HasSubstr("app/web ready (2/2 running)\n"));
  EXPECT_GE(fake().calls("GetApps"), 2);
}

TEST_F(CliTest, ApplyWaitTimesOutNamingAppsNotReady) {
  fake().OnGetApps([](std::vector<v1::App>& apps) {
    for (v1::App& app : apps) {
      app.mutable_status()->set_demand(50);
      app.mutable_status()->set_desired(5);
      app.mutable_status()->set_allocated(3);
      app.mutable_status()->set_running(3);
    }
  });
  TempFile file(kWebManifest);
  CliResult result = Run({"apply", "-f", file.path(), "--wait", "--wait-timeout", "1s"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("Error: timed out after 1s waiting for apps to be ready: "
                                    "web (3/5 running, 3 allocated)"));
  EXPECT_THAT(result.out, HasSubstr("0/1 apps ready; waiting for web"));
}

TEST_F(CliTest, GetAppsTableJsonYaml) {
  fake().AddApp(MakeApp("web", "static"));
  CliResult table = Run({"get", "apps"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ContainsRegex("^NAME +PRIORITY +SOURCE +DEMAND +DESIRED +ALLOCATED +"
                                       "RUNNING +MIN +MAX\n"));
  EXPECT_THAT(table.out, ContainsRegex("web +1 +static +<unknown> +2 +2 +1 +0 +5\n"));

  CliResult json = Run({"get", "apps", "-o", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json list = nlohmann::json::parse(json.out);
  EXPECT_EQ(list["kind"], "AppList");
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "web");
  EXPECT_TRUE(list["items"][0]["status"]["demand"].is_null());
  EXPECT_EQ(list["items"][0]["spec"]["image"], "microscale/demo:latest");

  CliResult yaml = Run({"-o", "yaml", "get", "apps", "web"});
  EXPECT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_THAT(yaml.out, HasSubstr("kind: AppList"));
  EXPECT_THAT(yaml.out, HasSubstr("name: web"));
}

TEST_F(CliTest, GetMissingNameExitsOne) {
  CliResult app = Run({"get", "apps", "nope"});
  EXPECT_EQ(app.exit_code, 1);
  EXPECT_EQ(app.err, "Error: app \"nope\" not found\n");
  CliResult node = Run({"get", "nodes", "nope"});
  EXPECT_EQ(node.exit_code, 1);
  EXPECT_EQ(node.err, "Error: node \"nope\" not found\n");
}

TEST_F(CliTest, GetEmptyListSaysSoOnStderr) {
  CliResult result = Run({"get", "apps"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "No apps found.\n");
}

TEST_F(CliTest, GetNodes) {
  fake().AddNode(MakeNode("node-1"));
  fake().AddNode(MakeNode("node-2"));
  CliResult table = Run({"get", "nodes"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ContainsRegex("node-1 +Ready +0/2 +0/1Gi +0 +1m\n"));
  CliResult json = Run({"get", "nodes", "node-2", "-o", "json"});
  nlohmann::json list = nlohmann::json::parse(json.out);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "node-2");
  EXPECT_EQ(list["items"][0]["status"]["capacity"]["memory"], "1Gi");
}

TEST_F(CliTest, GetContainersFiltersByAppAndNode) {
  fake().AddContainer(MakeContainer("web-1", "web", "node-1"));
  fake().AddContainer(MakeContainer("web-2", "web", "node-2"));
  fake().AddContainer(MakeContainer("worker-1", "worker", "node-1"));
  CliResult result = Run({"get", "containers", "--app", "web", "--node", "node-2"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, ContainsRegex("web-2 +web +node-2 +Running"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("web-1")));
  nlohmann::json list = nlohmann::json::parse(Run({"get", "containers", "-o", "json"}).out);
  EXPECT_EQ(list["kind"], "ContainerList");
  EXPECT_EQ(list["items"].size(), 3u);
}

TEST_F(CliTest, GetEndpointsTableJsonYaml) {
  fake().AddApp(MakeApp("web", "static"));
  fake().SetEndpoints({MakeEndpoint("web-1", "web", "10.0.0.5:30001", true),
                       MakeEndpoint("web-2", "web", "10.0.0.6:30002", false)});
  CliResult table = Run({"get", "endpoints"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out,
            "APP   INSTANCE   NODE     ADDRESS:PORT     READY\n"
            "web   web-1      node-1   10.0.0.5:30001   true\n"
            "web   web-2      node-1   10.0.0.6:30002   false\n");
  EXPECT_EQ(fake().last_list_endpoints().app(), "");
  EXPECT_FALSE(fake().last_list_endpoints().watch());

  CliResult wide = Run({"get", "endpoint", "web", "-o", "wide"});
  EXPECT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_THAT(wide.out, ContainsRegex("READY +PORT-NAME +CONTAINER-PORT\n"));
  EXPECT_THAT(wide.out, ContainsRegex("web-1 +node-1 +10.0.0.5:30001 +true +http +8080\n"));
  EXPECT_EQ(fake().last_list_endpoints().app(), "web");

  CliResult json = Run({"get", "endpoints", "web", "-o", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json list = nlohmann::json::parse(json.out);
  EXPECT_EQ(list["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(list["kind"], "EndpointList");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0]["address"], "10.0.0.5:30001");
  EXPECT_EQ(list["items"][0]["portName"], "http");
  EXPECT_EQ(list["items"][1]["ready"], false);

  CliResult yaml = Run({"-o", "yaml", "get", "endpoints"});
  EXPECT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_THAT(yaml.out, HasSubstr("kind: EndpointList"));
  EXPECT_THAT(yaml.out, HasSubstr("instance: web-2"));
}

TEST_F(CliTest, GetEndpointsOfAnotherAppOrNoneSaysSoOnStderr) {
  fake().AddApp(MakeApp("web", "static"));
  fake().AddApp(MakeApp("worker", "static"));
  fake().SetEndpoints({MakeEndpoint("web-1", "web", "10.0.0.5:30001", true)});
  CliResult none = Run({"get", "endpoints", "worker"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "No endpoints found.\n");
  nlohmann::json list =
      nlohmann::json::parse(Run({"get", "endpoints", "worker", "-o", "json"}).out);
  EXPECT_EQ(list["items"], nlohmann::json::array());
}

TEST_F(CliTest, GetEndpointsOfUnknownAppShowsTheControllersMessage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"get", "endpoints", "nope"}, {"get", "endpoints", "nope", "--watch"}}) {
    CliResult result = Run(args);
    EXPECT_EQ(result.exit_code, 1) << ::testing::PrintToString(args);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "Error: app \"nope\" not found\n");
  }
}

// Runs `get endpoints ARGS --watch` while the fake first holds `first`, then changes to
// `second` once the stream is open; returns what the CLI printed when the stream ended.
class GetEndpointsWatchTest : public CliTest {
 protected:
  CliResult Watch(std::vector<std::string> args, const std::vector<v1::Endpoint>& first,
                  const std::vector<v1::Endpoint>& second) {
    fake().SetEndpoints(first);
    args.insert(args.begin(), {"get", "endpoints"});
    CliResult result;
    std::thread cli([&] { result = Run(args); });
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (fake().open_endpoint_watches() == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(fake().open_endpoint_watches(), 1);
    fake().SetEndpoints(second);
    fake().CloseFollowStreams();
    cli.join();
    EXPECT_TRUE(fake().last_list_endpoints().watch());
    return result;
  }
};

TEST_F(GetEndpointsWatchTest, PrintsEachListAsATable) {
  fake().AddApp(MakeApp("web", "static"));
  CliResult result = Watch({"web", "-w"}, {MakeEndpoint("web-1", "web", "10.0.0.5:30001", false)},
                           {MakeEndpoint("web-1", "web", "10.0.0.5:30001", true),
                            MakeEndpoint("web-2", "web", "10.0.0.6:30002", true)});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "APP   INSTANCE   NODE     ADDRESS:PORT     READY\n"
            "web   web-1      node-1   10.0.0.5:30001   false\n"
            "\n"
            "APP   INSTANCE   NODE     ADDRESS:PORT     READY\n"
            "web   web-1      node-1   10.0.0.5:30001   true\n"
            "web   web-2      node-1   10.0.0.6:30002   true\n");
  EXPECT_EQ(fake().last_list_endpoints().app(), "web");
}

TEST_F(GetEndpointsWatchTest, PrintsOneJsonListPerLine) {
  CliResult result =
      Watch({"--watch", "-o", "json"}, {}, {MakeEndpoint("web-1", "web", "10.0.0.5:30001", true)});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines = absl::StrSplit(result.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << result.out;
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  nlohmann::json second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(first["kind"], "EndpointList");
  EXPECT_EQ(first["items"], nlohmann::json::array());
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["instance"], "web-1");
  EXPECT_EQ(result.err, "");
}

TEST_F(GetEndpointsWatchTest, EmptyListsSaySoOnStderr) {
  CliResult result = Watch({"--watch"}, {MakeEndpoint("web-1", "web", "10.0.0.5:30001", true)}, {});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, ContainsRegex("^APP +INSTANCE .*\nweb +web-1 .*\n$"));
  EXPECT_EQ(result.err, "No endpoints found.\n");
}

TEST_F(CliTest, DescribeApp) {
  fake().AddApp(MakeApp("web", "static"));
  fake().AddContainer(MakeContainer("web-1", "web", "node-1"));
  fake().AddEvent(MakeEvent("Scaled", "app/web", "desired 1 -> 2"));
  CliResult result = Run({"describe", "app", "web"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, ContainsRegex("Name: +web\n"));
  EXPECT_THAT(result.out, ContainsRegex("web-1 +node-1 +Running"));
  EXPECT_THAT(result.out, ContainsRegex("Scaled +desired 1 -> 2"));
  CliResult missing = Run({"describe", "app", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error: app \"nope\" not found\n");
}

TEST_F(CliTest, DeleteApp) {
  fake().AddApp(MakeApp("web", "static"));
  CliResult result = Run({"delete", "app", "web"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "app/web deleted\n");
  EXPECT_THAT(fake().apps(), IsEmpty());
  EXPECT_EQ(Run({"delete", "app", "web"}).exit_code, 1);
}

TEST_F(CliTest, DemandSet) {
  fake().AddApp(MakeApp("web", "static"));
  fake().AddApp(MakeApp("rnd", "random"));
  CliResult result = Run({"demand", "set", "web", "42.5"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "app/web demand set to 42.5\n");
  EXPECT_EQ(fake().last_set_demand().app(), "web");
  EXPECT_EQ(fake().last_set_demand().value(), 42.5);
  CliResult refused = Run({"demand", "set", "rnd", "1"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("Error: app \"rnd\" reads its demand from source random"));
}

TEST_F(CliTest, CordonUncordonDrain) {
  fake().AddNode(MakeNode("node-1"));
  CliResult cordon = Run({"cordon", "node-1"});
  EXPECT_EQ(cordon.exit_code, 0) << cordon.err;
  EXPECT_EQ(cordon.out, "node/node-1 cordoned\n");
  EXPECT_TRUE(fake().last_cordon().cordon());
  EXPECT_FALSE(fake().last_cordon().drain());
  EXPECT_EQ(Run({"uncordon", "node-1"}).out, "node/node-1 uncordoned\n");
  EXPECT_FALSE(fake().last_cordon().cordon());
  EXPECT_EQ(Run({"drain", "node-1"}).out, "node/node-1 drained\n");
  EXPECT_TRUE(fake().last_cordon().cordon());
  EXPECT_TRUE(fake().last_cordon().drain());
  CliResult missing = Run({"drain", "node-9"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error: node \"node-9\" not found\n");
}

TEST_F(CliTest, EventsListed) {
  fake().AddEvent(MakeEvent("Scaled", "app/web", "desired 1 -> 2"));
  fake().AddEvent(MakeEvent("NodeNotReady", "node/node-2", "no heartbeat for 10s"));
  CliResult table = Run({"events"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ContainsRegex("^TIME +REASON +OBJECT +MESSAGE\n"));
  EXPECT_THAT(table.out, ContainsRegex("Scaled +app/web +desired 1 -> 2\n"));
  EXPECT_THAT(table.out, ContainsRegex("NodeNotReady +node/node-2 +no heartbeat for 10s\n"));
  nlohmann::json list = nlohmann::json::parse(Run({"events", "-o", "json"}).out);
  EXPECT_EQ(list["kind"], "EventList");
  EXPECT_EQ(list["items"][1]["reason"], "NodeNotReady");
}

TEST_F(CliTest, EventsFollowPrintsEventsAsTheyArrive) {
  fake().AddEvent(MakeEvent("Scaled", "app/web", "before"));
  CliResult result;
  std::thread cli([&] { result = Run({"events", "--follow"}); });
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (fake().open_follow_streams() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(fake().open_follow_streams(), 1);
  fake().PublishEvent(MakeEvent("Preempted", "app/worker", "after"));
  fake().CloseFollowStreams();
  cli.join();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, ContainsRegex("Scaled +app/web +before\n"));
  EXPECT_THAT(result.out, ContainsRegex("Preempted +app/worker +after\n"));
}

TEST_F(CliTest, VersionShowsClientAndServer) {
  CliResult result = Run({"version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Client Version: "));
  EXPECT_THAT(result.out, HasSubstr("Server Version: 9.9.9-fake (cluster fake-cluster)"));
  nlohmann::json json = nlohmann::json::parse(Run({"version", "-o", "json"}).out);
  EXPECT_EQ(json["serverVersion"], "9.9.9-fake");
}

TEST_F(CliTest, OtherServerErrorsNameCodeAndMessage) {
  fake().FailMethod("GetApps", grpc::Status(grpc::StatusCode::INTERNAL, "store is locked"));
  CliResult result = Run({"get", "apps"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("INTERNAL: store is locked"));
}

TEST(UnreachableControllerTest, ExitsOneNamingAddressAndHowToSetIt) {
  std::string address;
  {
    FakeControlPlaneServer gone;  // takes a free port, then releases it
    address = gone.address();
  }
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"get", "apps"},
                                             {"events", "--follow"},
                                             {"get", "endpoints", "--watch"},
                                             {"demand", "set", "web", "3"}}) {
    std::vector<std::string> args = {"--controller", address};
    args.insert(args.end(), command.begin(), command.end());
    CliResult result = RunCliForTest(args);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err, "Error: cannot reach the controller at " + address +
                              " (is microscale-controller running? set --controller or "
                              "MICROSCALE_CONTROLLER)\n");
  }
}

TEST(ControllerEnvTest, EnvironmentVariableSetsTheAddress) {
  FakeControlPlaneServer server;
  setenv("MICROSCALE_CONTROLLER", server.address().c_str(), 1);
  CliResult result = RunCliForTest({"version"});
  unsetenv("MICROSCALE_CONTROLLER");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("9.9.9-fake"));
}

}  // namespace
}  // namespace microscale::cli
