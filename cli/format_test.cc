// Tests of the pure formatting functions: tables, JSON shapes and YAML.
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "cli/format_apps.h"
#include "cli/format_containers.h"
#include "cli/format_controllers.h"
#include "cli/format_endpoints.h"
#include "cli/format_nodes.h"
#include "cli/output.h"
#include "cli/table.h"
#include "cli/time_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNowMs = 1714564800000;  // 2024-05-01T12:00:00Z
const absl::Time kNow = absl::FromUnixMillis(kNowMs);

v1::App MakeApp(const std::string& name, bool with_demand) {
  v1::App app;
  v1::AppSpec& spec = *app.mutable_spec();
  spec.set_name(name);
  spec.set_priority(1);
  spec.set_image("microscale/demo:latest");
  spec.mutable_resources()->set_cpu_millis(250);
  spec.mutable_resources()->set_memory_bytes(64 << 20);
  spec.mutable_replicas()->set_min(1);
  spec.mutable_replicas()->set_max(20);
  spec.mutable_demand()->set_source("static");
  spec.mutable_demand()->set_value(12);
  v1::AppStatus& status = *app.mutable_status();
  if (with_demand) status.set_demand(12.5);
  status.set_desired(3);
  status.set_allocated(2);
  status.set_running(1);
  status.set_paused(1);
  status.set_standby(2);
  v1::Condition& condition = *status.add_conditions();
  condition.set_type("DemandAvailable");
  condition.set_status("True");
  condition.set_reason("Read");
  condition.set_message("read 12.5");
  condition.set_last_transition_unix_ms(kNowMs);
  return app;
}

v1::Node MakeNode() {
  v1::Node node;
  node.set_name("node-1");
  node.set_state("Ready");
  node.mutable_capacity()->set_cpu_millis(2000);
  node.mutable_capacity()->set_memory_bytes(int64_t{4} << 30);
  node.mutable_allocated()->set_cpu_millis(500);
  node.mutable_allocated()->set_memory_bytes(128 << 20);
  node.set_containers(2);
  node.mutable_capacity()->set_ports(2768);
  node.mutable_allocated()->set_ports(3);
  node.set_address("127.0.0.1:5000");
  node.set_last_heartbeat_unix_ms(kNowMs - 1000);
  node.set_registered_unix_ms(kNowMs - int64_t{3} * 3600 * 1000);
  // insert, not operator[] = "a": GCC 12 at -O3 warns on that (-Werror=restrict), a known
  // false positive.
  node.mutable_labels()->insert({"zone", "a"});
  return node;
}

TEST(TableTest, AlignsColumnsWithoutTrailingBlanks) {
  Table table({"NAME", "X"});
  table.AddRow({"a-long-name", "1"});
  table.AddRow({"b", "22"});
  EXPECT_EQ(table.Render(),
            "NAME          X\n"
            "a-long-name   1\n"
            "b             22\n");
}

TEST(TableTest, PadsShortRowsAndIndents) {
  Table table({"A", "B"});
  table.AddRow({"x"});
  EXPECT_EQ(table.Render("  "), "  A   B\n  x   \n");
}

TEST(TimeFormatTest, AgesLikeKubectl) {
  EXPECT_EQ(FormatAge(absl::Seconds(5)), "5s");
  EXPECT_EQ(FormatAge(absl::Seconds(59)), "59s");
  EXPECT_EQ(FormatAge(absl::Minutes(3) + absl::Seconds(10)), "3m");
  EXPECT_EQ(FormatAge(absl::Hours(2) + absl::Minutes(59)), "2h");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 4 + 3)), "4d");
  EXPECT_EQ(FormatAge(absl::Hours(24 * 800)), "2y");
  EXPECT_EQ(FormatAge(-absl::Seconds(3)), "0s");
  EXPECT_EQ(FormatAgeSince(0, kNow), "<unknown>");
}

TEST(TimeFormatTest, Rfc3339InUtc) {
  EXPECT_EQ(FormatRfc3339(kNowMs + 999), "2024-05-01T12:00:00Z");
  EXPECT_EQ(Rfc3339OrNull(0), nullptr);
}

TEST(OutputFormatTest, ParsesKnownNamesOnly) {
  EXPECT_EQ(ParseOutputFormat("wide"), OutputFormat::kWide);
  EXPECT_EQ(ParseOutputFormat("yaml"), OutputFormat::kYaml);
  EXPECT_EQ(ParseOutputFormat("xml"), std::nullopt);
}

TEST(FormatDemandTest, ShortestReadableNumber) {
  EXPECT_EQ(FormatDemand(12), "12");
  EXPECT_EQ(FormatDemand(12.5), "12.5");
  EXPECT_EQ(FormatDemand(1.0 / 3), "0.333");
  EXPECT_EQ(FormatDemand(1234567), "1234567");
}

TEST(AppsTableTest, ShowsContractColumns) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  *apps.Add() = MakeApp("web", true);
  *apps.Add() = MakeApp("worker", false);
  EXPECT_EQ(AppsTable(apps, false),
            "NAME     PRIORITY   SOURCE   DEMAND      DESIRED   ALLOCATED   RUNNING   MIN   MAX\n"
            "web      1          static   12.5        3         2           1         1     20\n"
            "worker   1          static   <unknown>   3         2           1         1     20\n");
}

TEST(AppsTableTest, WideAddsStandbyPausedImageCpuMemory) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  *apps.Add() = MakeApp("web", true);
  const std::string table = AppsTable(apps, true);
  EXPECT_THAT(table,
              HasSubstr("MAX   STANDBY   PAUSED   IMAGE                    CPU    MEMORY\n"));
  EXPECT_THAT(table, HasSubstr("20    2         1        microscale/demo:latest   250m   64Mi\n"));
}

TEST(AppJsonTest, StatusHasContractShape) {
  v1::App app = MakeApp("web", true);
  app.mutable_status()->set_ready(1);
  nlohmann::json status = AppStatusJson(app.status());
  EXPECT_EQ(status["demand"], 12.5);
  EXPECT_EQ(status["desired"], 3);
  EXPECT_EQ(status["allocated"], 2);
  EXPECT_EQ(status["running"], 1);
  EXPECT_EQ(status["ready"], 1);
  EXPECT_EQ(status["paused"], 1);
  EXPECT_EQ(status["standby"], 2);
  ASSERT_EQ(status["conditions"].size(), 1u);
  EXPECT_EQ(status["conditions"][0],
            (nlohmann::json{{"type", "DemandAvailable"},
                            {"status", "True"},
                            {"reason", "Read"},
                            {"message", "read 12.5"},
                            {"lastTransitionTime", "2024-05-01T12:00:00Z"}}));
}

TEST(AppJsonTest, DemandIsNullUntilRead) {
  nlohmann::json status = AppStatusJson(MakeApp("web", false).status());
  ASSERT_TRUE(status.contains("demand"));
  EXPECT_TRUE(status["demand"].is_null());
}

TEST(AppJsonTest, EstimatesAreShownOnlyOnceSet) {
  v1::App app = MakeApp("web", true);
  nlohmann::json status = AppStatusJson(app.status());
  EXPECT_FALSE(status.contains("arrivalRate"));
  EXPECT_FALSE(status.contains("arrivalsCounted"));
  EXPECT_FALSE(status.contains("drainRatePerContainer"));
  EXPECT_FALSE(status.contains("forecast"));

  app.mutable_status()->set_arrival_rate(0);  // set to zero is still set
  app.mutable_status()->set_drain_rate_per_container(1.5);
  app.mutable_status()->set_forecast(40);
  status = AppStatusJson(app.status());
  EXPECT_EQ(status["arrivalRate"], 0.0);
  EXPECT_EQ(status["arrivalsCounted"], false);
  EXPECT_EQ(status["drainRatePerContainer"], 1.5);
  app.mutable_status()->set_arrivals_counted(true);
  EXPECT_EQ(AppStatusJson(app.status())["arrivalsCounted"], true);
  EXPECT_EQ(status["forecast"], 40.0);
}

TEST(AppJsonTest, ManifestShowsQueueAndPredictiveInCamelCase) {
  v1::App app = MakeApp("worker", true);
  v1::DemandSpec& demand = *app.mutable_spec()->mutable_demand();
  demand.clear_value();
  demand.set_source("redis-list");
  demand.mutable_redis_list()->set_address("r:6379");
  demand.mutable_redis_list()->set_key("jobs");
  demand.mutable_queue()->set_backlog_target(10);
  demand.mutable_queue()->set_per_container_rate(1.5);
  demand.mutable_predictive()->set_horizon_seconds(30);
  app.mutable_status()->set_arrival_rate(12.5);
  nlohmann::json item = AppJson(app);
  EXPECT_EQ(item["spec"]["demand"]["queue"],
            (nlohmann::json{{"backlogTarget", 10.0}, {"perContainerRate", 1.5}}));
  EXPECT_EQ(item["spec"]["demand"]["predictive"], (nlohmann::json{{"horizonSeconds", 30.0}}));
  EXPECT_EQ(item["status"]["arrivalRate"], 12.5);

  std::ostringstream out;
  PrintStructured(item, OutputFormat::kYaml, out);
  const std::string yaml = out.str();
  EXPECT_THAT(yaml,
              HasSubstr("    queue:\n      backlogTarget: 10.0\n      perContainerRate: 1.5\n"));
  EXPECT_THAT(yaml, HasSubstr("    predictive:\n      horizonSeconds: 30.0\n"));
  EXPECT_THAT(yaml, HasSubstr("  arrivalRate: 12.5\n"));

  // Level mode: no queue or predictive block at all.
  item = AppJson(MakeApp("web", true));
  EXPECT_FALSE(item["spec"]["demand"].contains("queue"));
  EXPECT_FALSE(item["spec"]["demand"].contains("predictive"));
}

TEST(AppsTableTest, QueueModeKeepsTheContractColumns) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  v1::App& app = *apps.Add() = MakeApp("web", true);
  app.mutable_spec()->mutable_demand()->mutable_queue()->set_backlog_target(10);
  app.mutable_status()->set_arrival_rate(3);
  EXPECT_EQ(AppsTable(apps, false),
            "NAME   PRIORITY   SOURCE   DEMAND   DESIRED   ALLOCATED   RUNNING   MIN   MAX\n"
            "web    1          static   12.5     3         2           1         1     20\n");
}

TEST(AppJsonTest, AppListIsManifestPlusStatus) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  *apps.Add() = MakeApp("web", true);
  nlohmann::json list = AppListJson(apps);
  EXPECT_EQ(list["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(list["kind"], "AppList");
  ASSERT_EQ(list["items"].size(), 1u);
  const nlohmann::json& item = list["items"][0];
  EXPECT_EQ(item["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(item["kind"], "App");
  EXPECT_EQ(item["metadata"]["name"], "web");
  EXPECT_EQ(item["spec"]["priority"], 1);
  EXPECT_EQ(item["spec"]["image"], "microscale/demo:latest");
  EXPECT_EQ(item["spec"]["replicas"]["max"], 20);
  EXPECT_EQ(item["spec"]["demand"]["source"], "static");
  EXPECT_EQ(item["spec"]["resources"]["cpu"], "250m");
  EXPECT_EQ(item["spec"]["resources"]["memory"], "64Mi");
  EXPECT_EQ(item["status"]["running"], 1);
}

TEST(AppJsonTest, SpecThatIsNotAValidManifestIsStillShown) {
  v1::App app = MakeApp("odd", true);
  app.mutable_spec()->set_priority(5000);
  nlohmann::json item = AppJson(app);
  EXPECT_EQ(item["metadata"]["name"], "odd");
  EXPECT_EQ(item["spec"]["priority"], 5000);
  EXPECT_EQ(item["spec"]["image"], "microscale/demo:latest");
}

TEST(AppJsonTest, EmptyListHasEmptyItems) {
  nlohmann::json list = AppListJson({});
  EXPECT_TRUE(list["items"].is_array());
  EXPECT_TRUE(list["items"].empty());
}

TEST(NodesTableTest, ShowsAllocatedOverCapacityAndAge) {
  google::protobuf::RepeatedPtrField<v1::Node> nodes;
  *nodes.Add() = MakeNode();
  EXPECT_EQ(NodesTable(nodes, false, kNow),
            "NAME     STATUS   CPU      MEMORY      CONTAINERS   AGE\n"
            "node-1   Ready    500m/2   128Mi/4Gi   2            3h\n");
}

TEST(NodesTableTest, ShowsContainerCapAndSimulatedRuntimeWhenWide) {
  google::protobuf::RepeatedPtrField<v1::Node> nodes;
  v1::Node node = MakeNode();
  node.mutable_capacity()->set_max_containers(10);
  node.set_runtime("sim");
  *nodes.Add() = node;
  const std::string table = NodesTable(nodes, true, kNow);
  EXPECT_THAT(table, HasSubstr("2/10"));
  EXPECT_THAT(table, HasSubstr(" 3/2768 "));  // host ports in use of the --port-range
  EXPECT_THAT(table, HasSubstr("sim (simulated)"));
  EXPECT_THAT(table, HasSubstr("127.0.0.1:5000"));
}

TEST(NodeJsonTest, HasContractShape) {
  google::protobuf::RepeatedPtrField<v1::Node> nodes;
  *nodes.Add() = MakeNode();
  nlohmann::json list = NodeListJson(nodes);
  EXPECT_EQ(list["kind"], "NodeList");
  EXPECT_EQ(list["apiVersion"], "microscale.io/v1");
  nlohmann::json expected = {
      {"apiVersion", "microscale.io/v1"},
      {"kind", "Node"},
      {"metadata", {{"name", "node-1"}, {"labels", {{"zone", "a"}}}}},
      {"status",
       {{"state", "Ready"},
        {"draining", false},
        {"capacity", {{"cpu", "2"}, {"memory", "4Gi"}, {"maxContainers", 0}, {"ports", 2768}}},
        {"allocated", {{"cpu", "500m"}, {"memory", "128Mi"}, {"maxContainers", 0}, {"ports", 3}}},
        {"containers", 2},
        {"address", "127.0.0.1:5000"},
        {"lastHeartbeat", "2024-05-01T11:59:59Z"}}}};
  EXPECT_EQ(list["items"][0], expected);
}

TEST(ContainersTest, TableAndJsonShapes) {
  google::protobuf::RepeatedPtrField<v1::Container> containers;
  v1::Container& c = *containers.Add();
  c.set_instance("web-7");
  c.set_app("web");
  c.set_node("node-1");
  c.set_state(v1::CONTAINER_STATE_RUNNING);
  c.set_container_id("0123456789abcdef0123");
  c.set_started_unix_ms(kNowMs - 5000);
  v1::Container& pending = *containers.Add();
  pending.set_instance("web-8");
  pending.set_app("web");
  pending.set_node("node-2");
  pending.set_state(v1::CONTAINER_STATE_STARTING);
  EXPECT_EQ(ContainersTable(containers, false, kNow),
            "INSTANCE   APP   NODE     STATE      AGE\n"
            "web-7      web   node-1   Running    5s\n"
            "web-8      web   node-2   Starting   <unknown>\n");
  EXPECT_THAT(ContainersTable(containers, true, kNow), HasSubstr("0123456789ab   false"));
  nlohmann::json list = ContainerListJson(containers);
  EXPECT_EQ(list["kind"], "ContainerList");
  EXPECT_EQ(list["items"][0], (nlohmann::json{{"instance", "web-7"},
                                              {"app", "web"},
                                              {"node", "node-1"},
                                              {"state", "Running"},
                                              {"containerId", "0123456789abcdef0123"},
                                              {"startedAt", "2024-05-01T11:59:55Z"}}));
  EXPECT_TRUE(list["items"][1]["startedAt"].is_null());
}

EndpointMessages TwoEndpoints() {
  EndpointMessages endpoints;
  v1::Endpoint& ready = *endpoints.Add();
  ready.set_app("checkout-api");
  ready.set_instance("checkout-api-3");
  ready.set_node("node-1");
  ready.set_port_name("http");
  ready.set_container_port(8080);
  ready.set_address("10.0.0.5:30001");
  ready.set_ready(true);
  ready.set_priority(1);
  v1::Endpoint& unnamed = *endpoints.Add();
  unnamed.set_app("checkout-api");
  unnamed.set_instance("checkout-api-4");
  unnamed.set_node("node-2");
  unnamed.set_container_port(9090);
  unnamed.set_address("[fd00::6]:30002");
  unnamed.set_priority(1);
  return endpoints;
}

ControllerMessages TwoControllers(absl::Time now) {
  ControllerMessages controllers;
  v1::ControllerInfo* leader = controllers.Add();
  leader->set_name("c1");
  leader->set_address("c1.example:7400");
  leader->set_role(v1::LEADER);
  leader->set_since_unix_ms(absl::ToUnixMillis(now - absl::Hours(3)));
  v1::ControllerInfo* standby = controllers.Add();
  standby->set_address("c2.example:7400");
  standby->set_role(v1::STANDBY);
  return controllers;
}

TEST(ControllersTest, TableHasContractColumns) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(ControllersTable(TwoControllers(now), now),
            "NAME        ADDRESS           ROLE      SINCE\n"
            "c1          c1.example:7400   Leader    3h\n"
            "<unknown>   c2.example:7400   Standby   <unknown>\n");
}

TEST(ControllersTest, JsonHasContractShape) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  nlohmann::json list = ControllerListJson(TwoControllers(now));
  EXPECT_EQ(list["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(list["kind"], "ControllerList");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0], (nlohmann::json{{"name", "c1"},
                                              {"address", "c1.example:7400"},
                                              {"role", "Leader"},
                                              {"since", "2027-01-15T05:00:00Z"}}));
  EXPECT_EQ(list["items"][1]["role"], "Standby");
  EXPECT_TRUE(list["items"][1]["since"].is_null());
}

TEST(EndpointsTest, TableHasContractColumns) {
  EXPECT_EQ(EndpointsTable(TwoEndpoints(), false),
            "APP            INSTANCE         NODE     ADDRESS:PORT      READY\n"
            "checkout-api   checkout-api-3   node-1   10.0.0.5:30001    true\n"
            "checkout-api   checkout-api-4   node-2   [fd00::6]:30002   false\n");
}

TEST(EndpointsTest, WideAddsPortNameAndContainerPort) {
  EXPECT_EQ(EndpointsTable(TwoEndpoints(), true),
            "APP            INSTANCE         NODE     ADDRESS:PORT      READY   PORT-NAME   "
            "CONTAINER-PORT\n"
            "checkout-api   checkout-api-3   node-1   10.0.0.5:30001    true    http        "
            "8080\n"
            "checkout-api   checkout-api-4   node-2   [fd00::6]:30002   false   <none>      "
            "9090\n");
}

TEST(EndpointsTest, JsonHasContractShape) {
  nlohmann::json list = EndpointListJson(TwoEndpoints());
  EXPECT_EQ(list["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(list["kind"], "EndpointList");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][0], (nlohmann::json{{"app", "checkout-api"},
                                              {"instance", "checkout-api-3"},
                                              {"node", "node-1"},
                                              {"portName", "http"},
                                              {"containerPort", 8080},
                                              {"address", "10.0.0.5:30001"},
                                              {"ready", true},
                                              {"priority", 1}}));
  EXPECT_EQ(list["items"][1]["portName"], "");
  EXPECT_EQ(list["items"][1]["ready"], false);
  EXPECT_EQ(EndpointListJson({})["items"], nlohmann::json::array());
}

TEST(EndpointsTest, YamlIsTheSameList) {
  std::ostringstream yaml;
  PrintStructured(EndpointListJson(TwoEndpoints()), OutputFormat::kYaml, yaml);
  EXPECT_THAT(yaml.str(), HasSubstr("kind: EndpointList"));
  EXPECT_THAT(yaml.str(), HasSubstr("apiVersion: microscale.io/v1"));
  EXPECT_THAT(yaml.str(), HasSubstr("instance: checkout-api-3"));
  EXPECT_THAT(yaml.str(), HasSubstr("containerPort: 8080"));
  EXPECT_THAT(yaml.str(), HasSubstr("ready: true"));
  EXPECT_THAT(yaml.str(), HasSubstr("address: \"[fd00::6]:30002\""));
}

TEST(EventsTest, LineAndJson) {
  v1::Event event;
  event.set_unix_ms(kNowMs);
  event.set_kind("Scaled");
  event.set_object("app/web");
  event.set_message("desired 2 -> 3");
  EXPECT_THAT(EventLine(event), HasSubstr("2024-05-01T12:00:00Z"));
  EXPECT_THAT(EventLine(event), HasSubstr("Scaled"));
  EXPECT_THAT(EventLine(event), HasSubstr("desired 2 -> 3"));
  EXPECT_EQ(EventJson(event), (nlohmann::json{{"time", "2024-05-01T12:00:00Z"},
                                              {"reason", "Scaled"},
                                              {"object", "app/web"},
                                              {"message", "desired 2 -> 3"}}));
}

// A reason or object longer than the defaults widens its column for every row: the
// columns of a listing never shift (DemandReadFailed once pushed OBJECT to the right).
TEST(FormatTest, EventColumnsFitTheLongestReasonAndObject) {
  EventMessages events;
  v1::Event* a = events.Add();
  a->set_kind("DemandReadFailed");
  a->set_object("app/a");
  a->set_message("m1");
  v1::Event* b = events.Add();
  b->set_kind("Scaling");
  b->set_object("app/a-very-long-application-name-indeed");
  b->set_message("m2");
  const EventColumns columns = EventColumnsFor(events);
  const std::string header = EventHeaderLine(columns);
  const size_t object_at = header.find("OBJECT");
  const size_t message_at = header.find("MESSAGE");
  for (const v1::Event& e : events) {
    const std::string line = EventLine(e, columns);
    EXPECT_EQ(line.find(e.object()), object_at) << line;
    EXPECT_EQ(line.find(e.message()), message_at) << line;
  }
}

TEST(PrintStructuredTest, JsonAndYaml) {
  nlohmann::json object = ListObject("AppList", nlohmann::json::array());
  std::ostringstream json;
  PrintStructured(object, OutputFormat::kJson, json);
  EXPECT_EQ(nlohmann::json::parse(json.str()), object);
  std::ostringstream yaml;
  PrintStructured(object, OutputFormat::kYaml, yaml);
  EXPECT_THAT(yaml.str(), HasSubstr("kind: AppList"));
  EXPECT_THAT(yaml.str(), HasSubstr("apiVersion: microscale.io/v1"));
  EXPECT_THAT(yaml.str(), Not(HasSubstr("{\"")));
}

TEST(PrintStructuredTest, InvalidUtf8DoesNotThrow) {
  std::ostringstream out;
  PrintStructured(nlohmann::json{{"message", std::string("bad \xff byte")}}, OutputFormat::kJson,
                  out);
  EXPECT_THAT(out.str(), HasSubstr("bad"));
}

}  // namespace
}  // namespace microscale::cli
