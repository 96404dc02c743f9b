#include "common/manifest/emit.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/manifest/manifest.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace microscale {
namespace {

using nlohmann::json;

AppSpec Sample() {
  AppSpec app;
  app.name = "checkout-api";
  app.labels = {{"team", "payments"}, {"example.com/tier", "1"}};
  app.priority = 1;
  app.image = "microscale/demo:latest";
  app.command = {"/bin/sh", "-c", "echo \"a: b\" # not a comment\n", "", "true", "-1", "~"};
  app.env = {{"MODE", "api"}, {"EMPTY", ""}, {"NUM", "0x10"}, {"UNI", "h\xc3\xa9llo \xe2\x80\xa8"}};
  app.resources = {250, 64 * kMebibyte};
  app.replicas = {1, 20};
  app.preemption = PreemptionMode::kPause;
  app.node_selector = {{"zone", "a"}, {"example.com/disk", "ssd"}};
  app.ports = {{"http", 8080}, {"", 9100}};
  app.health_check = HealthCheckSpec{{"/bin/test", "-f", "/tmp/ready"}, 2, 3, 5, 0};
  app.demand.source = DemandSourceKind::kHttpJson;
  app.demand.target_per_container = 0.1;
  app.demand.scale_down_delay_seconds = 30;
  app.demand.fallback = Fallback{3, 2};
  app.demand.http_json = {"http://host:8080/stats", "", {{"X-Token", "yes"}}, std::nullopt};
  return app;
}

TEST(AppToJson, WritesTheManifestShape) {
  json j = AppToJson(Sample());
  EXPECT_EQ(j["apiVersion"], "microscale.io/v1");
  EXPECT_EQ(j["kind"], "App");
  EXPECT_EQ(j["metadata"]["name"], "checkout-api");
  EXPECT_EQ(j["metadata"]["labels"]["team"], "payments");
  EXPECT_EQ(j["spec"]["resources"]["cpu"], "250m");
  EXPECT_EQ(j["spec"]["resources"]["memory"], "64Mi");
  EXPECT_EQ(j["spec"]["replicas"]["max"], 20);
  EXPECT_EQ(j["spec"]["preemption"], "pause");
  EXPECT_EQ(j["spec"]["nodeSelector"]["example.com/disk"], "ssd");
  EXPECT_EQ(j["spec"]["healthCheck"]["command"][2], "/tmp/ready");
  EXPECT_EQ(j["spec"]["healthCheck"]["retries"], 5);
  EXPECT_EQ(j["spec"]["ports"],
            json::parse(R"([{"name":"http","containerPort":8080},{"containerPort":9100}])"));
  EXPECT_EQ(j["spec"]["stopTimeoutSeconds"], 10);
  EXPECT_EQ(j["spec"]["demand"]["source"], "http-json");
  EXPECT_EQ(j["spec"]["demand"]["fallback"]["afterFailures"], 3);
  EXPECT_EQ(j["spec"]["demand"]["httpJson"]["pointer"], "");
  EXPECT_FALSE(j["spec"]["demand"].contains("random"));
  EXPECT_FALSE(j["spec"]["demand"].contains("value"));
  EXPECT_FALSE(j["spec"]["demand"].contains("queue"));
  EXPECT_FALSE(j["spec"]["demand"].contains("predictive"));
}

TEST(AppToJson, WritesQueueAndPredictiveWithOnlyTheFieldsSet) {
  AppSpec app = Sample();
  app.demand.queue = QueueSpec{10, std::nullopt, 1.5};
  app.demand.predictive = PredictiveSpec{30};
  json demand = AppToJson(app)["spec"]["demand"];
  EXPECT_EQ(demand["queue"], (json{{"backlogTarget", 10.0}, {"perContainerRate", 1.5}}));
  EXPECT_EQ(demand["predictive"], (json{{"horizonSeconds", 30.0}}));

  app.demand.queue = QueueSpec{std::nullopt, 2, std::nullopt};
  EXPECT_EQ(AppToJson(app)["spec"]["demand"]["queue"], (json{{"targetWaitSeconds", 2.0}}));
  EXPECT_EQ(JsonToYaml(AppToJson(app)["spec"]["demand"]["queue"]), "targetWaitSeconds: 2.0\n");
}

TEST(JsonToYaml, WritesBlockStyleAndQuotesWhatWouldChangeType) {
  json j = {{"s", "plain text"},
            {"n", "10"},
            {"b", "true"},
            {"y", "yes"},
            {"e", ""},
            {"z", nullptr},
            {"i", 7},
            {"f", 1.5},
            {"t", false},
            {"l", {1, "x"}},
            {"o", json::object()},
            {"a", json::array()},
            {"nested", {{"k", {{"deep", "v"}}}}}};
  EXPECT_EQ(JsonToYaml(j),
            "a: []\n"
            "b: \"true\"\n"
            "e: \"\"\n"
            "f: 1.5\n"
            "i: 7\n"
            "l:\n"
            "  - 1\n"
            "  - x\n"
            "\"n\": \"10\"\n"
            "nested:\n"
            "  k:\n"
            "    deep: v\n"
            "o: {}\n"
            "s: plain text\n"
            "t: false\n"
            "\"y\": \"yes\"\n"
            "z: null\n");
  EXPECT_EQ(JsonToYaml(json::array({json{{"a", 1}, {"b", 2}}, json::array({1, 2})})),
            "- a: 1\n  b: 2\n- - 1\n  - 2\n");
  EXPECT_EQ(JsonToYaml(json("a\"b\\c\n\x01")), "\"a\\\"b\\\\c\\n\\u0001\"\n");
  EXPECT_EQ(JsonToYaml(json(42)), "42\n");
}

TEST(Emission, RoundTripsThroughYaml) {
  AppSpec app = Sample();
  ASSERT_TRUE(ValidateApp(app).ok()) << ValidateApp(app);
  std::string yaml = JsonToYaml(AppToJson(app));
  absl::StatusOr<std::vector<AppSpec>> parsed = ParseManifests(yaml);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << yaml;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->front(), app) << yaml;
}

TEST(Emission, RoundTripsEachSourceAndTheParsedDesignExample) {
  std::vector<AppSpec> apps;
  for (DemandSourceKind kind :
       {DemandSourceKind::kStatic, DemandSourceKind::kRandom, DemandSourceKind::kPrometheus,
        DemandSourceKind::kRedisList, DemandSourceKind::kRedisStream, DemandSourceKind::kRabbitMq,
        DemandSourceKind::kNats, DemandSourceKind::kExternal}) {
    AppSpec app;
    app.name = "a";
    app.image = "busybox";
    app.replicas.max = 2;
    app.demand.source = kind;
    if (kind == DemandSourceKind::kStatic) app.demand.value = 12.25;
    app.demand.random =
        kind == DemandSourceKind::kRandom ? RandomDemand{1, 40, 3, 7} : RandomDemand{};
    if (kind == DemandSourceKind::kPrometheus) {
      app.demand.prometheus = {"https://p:9090", "sum(rate(x[1m])) > 0"};
    }
    if (kind == DemandSourceKind::kRedisList)
      app.demand.redis_list = {"[::1]:6379", "jobs", "p w", 3};
    if (kind == DemandSourceKind::kExternal) {
      app.demand.external = {"scaler:9090", {{"queue", "orders"}}, ExternalTls{"ca.pem", "", ""}};
    }
    if (kind == DemandSourceKind::kRabbitMq) {
      app.demand.rabbitmq = {"https://mq/admin", "team/a", "jobs", "u", "p"};
    }
    if (kind == DemandSourceKind::kNats) {
      app.demand.nats = {"http://n:8222/", "ORDERS", "workers", "A1"};
    }
    if (kind == DemandSourceKind::kRedisStream) {
      app.demand.redis_stream = {"r:6379", "orders", "workers", "p", 1};
    }
    apps.push_back(app);
  }
  AppSpec queued = apps[3];  // redis-list
  queued.demand.queue = QueueSpec{0, std::nullopt, 2.5};
  queued.demand.predictive = PredictiveSpec{3600};
  apps.push_back(queued);
  queued.demand.queue = QueueSpec{std::nullopt, 0.25, std::nullopt};
  queued.demand.predictive.reset();
  apps.push_back(queued);
  AppSpec predictive = apps[0];  // static
  predictive.demand.predictive = PredictiveSpec{0.5};
  apps.push_back(predictive);
  for (const AppSpec& app : apps) {
    ASSERT_TRUE(ValidateApp(app).ok()) << ValidateApp(app);
    std::string yaml = JsonToYaml(AppToJson(app));
    absl::StatusOr<std::vector<AppSpec>> parsed = ParseManifests(yaml);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << yaml;
    EXPECT_EQ(parsed->front(), app) << yaml;
  }
}

// Printable strings with the characters that need care in YAML.
rc::Gen<std::string> TrickyString() {
  return rc::gen::container<std::string>(rc::gen::elementOf(std::vector<char>{
      'a', 'Z', '0', '9', ' ', ':', '#', '-', '?', '"', '\'', '\\', '\n',   '\t',  '[',
      '{', '&', '*', '!', '|', '>', '%', '@', '`', ',', '.',  '~',  '\x01', '\x7f'}));
}

rc::Gen<double> FiniteDouble(double lo, double hi) {
  return rc::gen::map(rc::gen::inRange<int64_t>(0, 1000000), [lo, hi](int64_t n) {
    return lo + (hi - lo) * static_cast<double>(n) / 1e6;
  });
}

RC_GTEST_PROP(Emission, ParseOfEmittedYamlGivesTheSameApp, ()) {
  AppSpec app;
  app.name = *rc::gen::element<std::string>("a", "checkout-api", "x1-2");
  app.priority = *rc::gen::inRange(1, 1001);
  app.image = *rc::gen::element<std::string>("busybox", "localhost:5000/a/b:v1.0");
  app.command = *rc::gen::container<std::vector<std::string>>(TrickyString());
  for (const std::string& value : *rc::gen::container<std::vector<std::string>>(TrickyString())) {
    // StrCat, not "V" + std::to_string(...): GCC 12 at -O3 warns (-Werror=restrict) on the
    // latter, a known false positive.
    app.env[absl::StrCat("V", app.env.size())] = value;
  }
  app.network = *rc::gen::element(NetworkMode::kBridge, NetworkMode::kHost, NetworkMode::kNone);
  app.resources.cpu_millis = *rc::gen::inRange<int64_t>(1, 1000000);
  app.resources.memory_bytes = *rc::gen::inRange<int64_t>(1, int64_t{1} << 45);
  app.replicas.min = *rc::gen::inRange(0, 10001);
  app.replicas.max = *rc::gen::inRange(app.replicas.min, 10001);
  app.preemptible = *rc::gen::arbitrary<bool>();
  app.standby = *rc::gen::inRange(0, 10001);
  app.demand.target_per_container = *FiniteDouble(0.001, 1e6);
  app.demand.tolerance = *FiniteDouble(0, 1);
  if (*rc::gen::arbitrary<bool>()) app.demand.value = *FiniteDouble(0, 1e9);
  if (*rc::gen::arbitrary<bool>()) {
    app.demand.fallback = Fallback{*rc::gen::inRange(1, 100), *rc::gen::inRange(0, 10001)};
  }
  if (*rc::gen::arbitrary<bool>()) {
    app.demand.predictive = PredictiveSpec{*FiniteDouble(0.001, 3600)};
  }
  if (*rc::gen::arbitrary<bool>()) {
    app.demand.source = DemandSourceKind::kRedisList;
    app.demand.value.reset();
    app.demand.redis_list = {"redis:6379", "jobs", "", 0};
    QueueSpec queue;
    if (*rc::gen::arbitrary<bool>()) {
      queue.backlog_target = *FiniteDouble(0, 1e6);
    } else {
      queue.target_wait_seconds = *FiniteDouble(0.001, 1e4);
    }
    if (*rc::gen::arbitrary<bool>()) queue.per_container_rate = *FiniteDouble(0.001, 1e4);
    app.demand.queue = queue;
  }
  RC_PRE(ValidateApp(app).ok());
  std::string yaml = JsonToYaml(AppToJson(app));
  absl::StatusOr<std::vector<AppSpec>> parsed = ParseManifests(yaml);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(parsed->size() == 1u);
  RC_ASSERT(parsed->front() == app);
}

}  // namespace
}  // namespace microscale
