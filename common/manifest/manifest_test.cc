#include "common/manifest/manifest.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

constexpr char kFull[] = R"(apiVersion: microscale.io/v1
kind: App
metadata:
  name: checkout-api          # DNS label
  labels: {team: payments}
spec:
  priority: 1
  image: microscale/demo:latest
  command: ["/bin/sh", "-c", "while true; do sleep 1; done"]
  env: {MODE: api}
  network: bridge
  resources: {cpu: 250m, memory: 64Mi}
  replicas: {min: 0, max: 20}
  preemptible: true
  preemption: stop
  standby: 0
  stopTimeoutSeconds: 10
  demand:
    source: static
    targetPerContainer: 10
    intervalSeconds: 1
    tolerance: 0.0
    scaleDownDelaySeconds: 0
    fallback: {afterFailures: 3, replicas: 2}
    value: 12
)";

AppSpec ParseOne(const std::string& yaml) {
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(yaml);
  EXPECT_TRUE(apps.ok()) << apps.status();
  if (!apps.ok() || apps->size() != 1) return AppSpec{};
  return apps->front();
}

std::string Minimal(const std::string& name, const std::string& demand = "") {
  return "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: " + name +
         "}\nspec:\n  image: busybox\n  replicas: {max: 3}\n" + demand;
}

TEST(ParseManifests, ReadsTheDesignExample) {
  AppSpec app = ParseOne(kFull);
  EXPECT_EQ(app.name, "checkout-api");
  EXPECT_EQ(app.labels, (std::map<std::string, std::string>{{"team", "payments"}}));
  EXPECT_EQ(app.priority, 1);
  EXPECT_EQ(app.image, "microscale/demo:latest");
  EXPECT_EQ(app.command,
            (std::vector<std::string>{"/bin/sh", "-c", "while true; do sleep 1; done"}));
  EXPECT_EQ(app.env.at("MODE"), "api");
  EXPECT_EQ(app.network, NetworkMode::kBridge);
  EXPECT_EQ(app.resources.cpu_millis, 250);
  EXPECT_EQ(app.resources.memory_bytes, 64 * kMebibyte);
  EXPECT_EQ(app.replicas, (Replicas{0, 20}));
  EXPECT_TRUE(app.preemptible);
  EXPECT_EQ(app.preemption, PreemptionMode::kStop);
  EXPECT_EQ(app.stop_timeout_seconds, 10);
  EXPECT_EQ(app.demand.source, DemandSourceKind::kStatic);
  EXPECT_EQ(app.demand.target_per_container, 10);
  ASSERT_TRUE(app.demand.fallback.has_value());
  EXPECT_EQ(*app.demand.fallback, (Fallback{3, 2}));
  EXPECT_EQ(app.demand.value, 12);
}

TEST(ParseManifests, FillsDefaults) {
  AppSpec app = ParseOne(Minimal("worker"));
  AppSpec expected;
  expected.name = "worker";
  expected.image = "busybox";
  expected.replicas.max = 3;
  EXPECT_EQ(app, expected);
  EXPECT_EQ(app.priority, 10);
  EXPECT_EQ(app.resources.cpu_millis, 100);
  EXPECT_EQ(app.resources.memory_bytes, 64 * kMebibyte);
  EXPECT_EQ(app.network, NetworkMode::kBridge);
  EXPECT_TRUE(app.preemptible);
  EXPECT_EQ(app.demand.target_per_container, 1);
  EXPECT_EQ(app.demand.interval_seconds, 1);
  EXPECT_EQ(app.demand.timeout_seconds, 2);
  EXPECT_FALSE(app.demand.value.has_value());
  EXPECT_FALSE(app.demand.fallback.has_value());
}

TEST(ParseManifests, ReadsEverySource) {
  AppSpec random = ParseOne(
      Minimal("r",
              "  demand:\n    source: random\n    random: {min: 1, max: 40, changeEverySeconds: 3, "
              "seed: 18446744073709551615}\n"));
  EXPECT_EQ(random.demand.source, DemandSourceKind::kRandom);
  EXPECT_EQ(random.demand.random,
            (RandomDemand{1, 40, 3, std::optional<uint64_t>(18446744073709551615u)}));

  AppSpec prometheus = ParseOne(
      Minimal("p",
              "  demand:\n    source: prometheus\n    prometheus: {url: \"http://127.0.0.1:9090\", "
              "query: \"sum(rate(http_requests_total[1m]))\"}\n"));
  EXPECT_EQ(prometheus.demand.prometheus,
            (PrometheusDemand{"http://127.0.0.1:9090", "sum(rate(http_requests_total[1m]))"}));

  AppSpec redis = ParseOne(Minimal(
      "q",
      "  demand:\n    source: redis-list\n    redisList: {address: \"127.0.0.1:6379\", key: "
      "jobs, password: \"123\", database: 15}\n"));
  EXPECT_EQ(redis.demand.redis_list, (RedisListDemand{"127.0.0.1:6379", "jobs", "123", 15}));

  AppSpec stream = ParseOne(Minimal(
      "s",
      "  demand:\n    source: redis-stream\n    redisStream: {address: \"127.0.0.1:6379\", key: "
      "orders, group: workers, database: 2}\n"));
  AppSpec rabbit = ParseOne(
      Minimal("r",
              "  demand:\n    source: rabbitmq\n    rabbitmq: {url: \"http://127.0.0.1:15672\", "
              "queue: jobs}\n"));
  EXPECT_EQ(rabbit.demand.rabbitmq,
            (RabbitMqDemand{"http://127.0.0.1:15672", "/", "jobs", "guest", "guest"}));
  AppSpec nats = ParseOne(
      Minimal("n",
              "  demand:\n    source: nats\n    nats: {monitorUrl: \"http://127.0.0.1:8222\", "
              "stream: ORDERS, consumer: workers}\n"));
  EXPECT_EQ(nats.demand.nats, (NatsDemand{"http://127.0.0.1:8222", "ORDERS", "workers", ""}));
  EXPECT_EQ(stream.demand.redis_stream,
            (RedisStreamDemand{"127.0.0.1:6379", "orders", "workers", "", 2}));

  AppSpec http = ParseOne(
      Minimal("h",
              "  demand:\n    source: http-json\n    httpJson:\n      url: https://host/stats\n"
              "      pointer: /queue/depth\n      headers: {Authorization: Bearer x}\n"));
  EXPECT_EQ(
      http.demand.http_json,
      (HttpJsonDemand{
          "https://host/stats", "/queue/depth", {{"Authorization", "Bearer x"}}, std::nullopt}));

  AppSpec whole_document = ParseOne(Minimal(
      "w", "  demand: {source: http-json, httpJson: {url: \"http://h:1/\", pointer: \"\"}}\n"));
  EXPECT_EQ(whole_document.demand.http_json.pointer, "");
}

TEST(ParseManifests, ReadsAnArrivalsCounterForQueueMode) {
  AppSpec counted = ParseOne(
      Minimal("c",
              "  demand:\n    source: http-json\n"
              "    httpJson: {url: \"http://h/s\", pointer: /depth, arrivalsPointer: /enqueued}\n"
              "    queue: {backlogTarget: 10}\n"));
  EXPECT_EQ(counted.demand.http_json.arrivals_pointer, "/enqueued");

  absl::StatusOr<std::vector<AppSpec>> level = ParseManifests(Minimal(
      "l",
      "  demand:\n    source: http-json\n"
      "    httpJson: {url: \"http://h/s\", pointer: /depth, arrivalsPointer: /enqueued}\n"));
  ASSERT_FALSE(level.ok());
  EXPECT_THAT(std::string(level.status().message()),
              HasSubstr("spec.demand.httpJson.arrivalsPointer: only queue mode reads"));

  absl::StatusOr<std::vector<AppSpec>> bad = ParseManifests(
      Minimal("b",
              "  demand:\n    source: http-json\n"
              "    httpJson: {url: \"http://h/s\", pointer: /depth, arrivalsPointer: enqueued}\n"
              "    queue: {backlogTarget: 10}\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("spec.demand.httpJson.arrivalsPointer: must be a JSON pointer"));
}

TEST(ParseManifests, ReadsQueueAndPredictive) {
  AppSpec backlog = ParseOne(Minimal(
      "b",
      "  demand:\n    source: http-json\n    httpJson: {url: \"http://h/s\", pointer: /depth}\n"
      "    queue: {backlogTarget: 10, perContainerRate: 1.5}\n"
      "    predictive: {horizonSeconds: 30}\n"));
  ASSERT_TRUE(backlog.demand.queue.has_value());
  EXPECT_EQ(*backlog.demand.queue, (QueueSpec{10, std::nullopt, 1.5}));
  ASSERT_TRUE(backlog.demand.predictive.has_value());
  EXPECT_EQ(backlog.demand.predictive->horizon_seconds, 30);

  AppSpec wait = ParseOne(
      Minimal("w",
              "  demand:\n    source: redis-list\n    redisList: {address: \"r:6379\", key: jobs}\n"
              "    queue:\n      targetWaitSeconds: 2\n"));
  EXPECT_EQ(wait.demand.queue, (QueueSpec{std::nullopt, 2, std::nullopt}));
  EXPECT_FALSE(wait.demand.predictive.has_value());

  AppSpec prometheus = ParseOne(Minimal(
      "p",
      "  demand:\n    source: prometheus\n    prometheus: {url: \"http://p:9090\", query: up}\n"
      "    queue: {backlogTarget: 0}\n"));
  EXPECT_EQ(prometheus.demand.queue, (QueueSpec{0, std::nullopt, std::nullopt}));

  // Predictive needs no backlog: it works in level mode with any source. Null is unset.
  AppSpec level = ParseOne(Minimal(
      "l", "  demand:\n    value: 3\n    predictive: {horizonSeconds: 3600}\n    queue: ~\n"));
  EXPECT_FALSE(level.demand.queue.has_value());
  EXPECT_EQ(level.demand.predictive, (PredictiveSpec{3600}));
}

TEST(ParseManifests, AcceptsNumbersForQuantitiesAndOtherSpellings) {
  AppSpec app = ParseOne(
      "apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: a\nspec:\n  image: "
      "registry.example.com:5000/team/app_x__y-z:v1.2@sha256:" +
      std::string(64, 'a') +
      "\n  replicas:\n    min: 0x2\n    max: 0o12\n  resources:\n    cpu: 0.5\n    memory: "
      "134217728\n  preemptible: False\n  preemption: pause\n  network: none\n"
      "  priority: !!int 7\n  demand:\n    tolerance: 1\n    targetPerContainer: 2.5e1\n");
  EXPECT_EQ(app.resources.cpu_millis, 500);
  EXPECT_EQ(app.resources.memory_bytes, 128 * kMebibyte);
  EXPECT_EQ(app.replicas, (Replicas{2, 10}));
  EXPECT_FALSE(app.preemptible);
  EXPECT_EQ(app.preemption, PreemptionMode::kPause);
  EXPECT_EQ(app.network, NetworkMode::kNone);
  EXPECT_EQ(app.priority, 7);
  EXPECT_EQ(app.demand.target_per_container, 25);
}

TEST(ParseManifests, ReadsSeveralDocumentsInOrderAndSkipsEmptyOnes) {
  std::string yaml = "---\n# leading comment\n" + Minimal("first") +
                     "---\n---\n# only a comment\n---\n" + Minimal("second") + "...\n";
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(yaml);
  ASSERT_TRUE(apps.ok()) << apps.status();
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0].name, "first");
  EXPECT_EQ((*apps)[1].name, "second");
}

TEST(ParseManifests, ReportsEveryErrorOfEveryDocument) {
  std::string yaml = Minimal("good") + "---\n" +
                     "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: checkout-api}\n"
                     "spec:\n  image: busybox\n  priority: 0\n  replicas: {min: 5, max: 2}\n"
                     "  colour: blue\n---\n" +
                     "apiVersion: v1\nkind: App\nmetadata: {name: Bad_Name}\nspec: {image: x, "
                     "replicas: {max: 1}, stopTimeoutSeconds: 2.5}\n";
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(yaml);
  ASSERT_EQ(apps.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(apps.status().message()),
            "document 2 (checkout-api): spec.colour: unknown field (known fields: priority, image, "
            "command, env, network, resources, replicas, preemptible, preemption, standby, "
            "stopTimeoutSeconds, demand, nodeSelector, ports, healthCheck)\n"
            "document 2 (checkout-api): spec.priority: must be between 1 and 1000 (got integer 0)\n"
            "document 2 (checkout-api): spec.replicas.max: must be >= spec.replicas.min (5)\n"
            "document 3: apiVersion: must be microscale.io/v1 (got \"v1\")\n"
            "document 3: spec.stopTimeoutSeconds: must be an integer (got number 2.5)\n"
            "document 3: metadata.name: must be a DNS label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters (got "
            "\"Bad_Name\")");
}

TEST(ParseManifests, RefusesTwoDocumentsWithTheSameName) {
  absl::StatusOr<std::vector<AppSpec>> apps =
      ParseManifests(Minimal("twin") + "---\n" + Minimal("twin"));
  EXPECT_EQ(std::string(apps.status().message()),
            "document 2 (twin): metadata.name: duplicate name: document 1 has the same name");
}

// What `microscalectl get apps -o yaml` prints applies again: each item of an AppList is
// an App, its status ignored.
TEST(ParseManifests, AcceptsAnAppListAndIgnoresItsStatus) {
  const std::string list = R"(apiVersion: microscale.io/v1
kind: AppList
items:
- apiVersion: microscale.io/v1
  kind: App
  metadata: {name: web}
  spec:
    image: microscale/demo:latest
    replicas: {max: 4}
    demand: {source: static, value: 3}
  status: {desired: 3, running: 2, conditions: [{type: Scaled, status: "False"}]}
- apiVersion: microscale.io/v1
  kind: App
  metadata: {name: batch}
  spec:
    priority: 5
    image: microscale/demo:latest
    replicas: {max: 2}
    demand: {source: static}
)";
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(list + "---\n" + Minimal("solo"));
  ASSERT_TRUE(apps.ok()) << apps.status();
  ASSERT_EQ(apps->size(), 3u);
  EXPECT_EQ((*apps)[0].name, "web");
  EXPECT_EQ((*apps)[0].replicas.max, 4);
  EXPECT_EQ((*apps)[1].name, "batch");
  EXPECT_EQ((*apps)[1].priority, 5);
  EXPECT_EQ((*apps)[2].name, "solo");
}

TEST(ParseManifests, NamesTheItemOfAnAppListThatIsWrong) {
  const std::string head = "apiVersion: microscale.io/v1\nkind: AppList\n";
  const std::string good =
      "- {apiVersion: microscale.io/v1, kind: App, metadata: {name: a}, "
      "spec: {image: x, replicas: {max: 1}, demand: {source: static}}}\n";
  struct Case {
    std::string input;
    std::string message;
  };
  const Case cases[] = {
      {head + "items:\n" + good +
           "- {apiVersion: microscale.io/v1, kind: App, metadata: {name: b}, "
           "spec: {image: x, colour: red, replicas: {max: 1}, demand: {source: static}}}\n",
       "document 1, items[1] (b): spec.colour: unknown field"},
      {head + "items:\n" + good + good,
       "document 1, items[1] (a): metadata.name: duplicate name: "
       "document 1, items[0] has the same name"},
      {head, "document 1: items: is required (the Apps of the list)"},
      {head + "items: []\n", "document 1: items: holds no Apps"},
      {head + "items: {a: 1}\n", "document 1: items: must be a list of Apps"},
      {"apiVersion: v2\nkind: AppList\nitems:\n" + good,
       "document 1: apiVersion: must be microscale.io/v1 (got \"v2\")"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(c.input);
    ASSERT_FALSE(apps.ok()) << c.input;
    EXPECT_THAT(std::string(apps.status().message()), HasSubstr(c.message)) << c.input;
  }
}

TEST(ParseManifests, RefusesInputThatIsNotAManifest) {
  struct Case {
    std::string input;
    std::string message;
  };
  const Case cases[] = {
      {"", "manifest is empty"},
      {"\n  \n# just a comment\n", "manifest holds no documents (expected at least one App)"},
      {"---\n---\n", "manifest holds no documents (expected at least one App)"},
      {std::string("abc\0def", 7),
       "manifest is not YAML text: control character 0x00 at line 1, column 4"},
      {"a: 1\nb: \xff\xfe", "manifest is not UTF-8 text: invalid byte 0xff at line 2, column 4"},
      {"just a string",
       "document 1: must be a mapping (an App with apiVersion, kind, metadata "
       "and spec)"},
      {"- a\n- b\n",
       "document 1: must be a mapping (an App with apiVersion, kind, metadata "
       "and spec)"},
      {"a: [1, 2\n", "document 1: line 2, column 1: invalid YAML: end of sequence flow not found"},
      {std::string(200, '['), "manifest nests deeper than 64 levels (at line 1)"},
      {std::string((1 << 20) + 1, ' '),
       "manifest is 1048577 bytes; the limit is 1048576 bytes (1 MiB)"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(c.input);
    EXPECT_EQ(apps.status().code(), absl::StatusCode::kInvalidArgument) << c.input.substr(0, 40);
    EXPECT_EQ(std::string(apps.status().message()), c.message) << c.input.substr(0, 40);
  }
}

TEST(ParseManifests, RefusesDeepBlockNestingBeforeParsing) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_EQ(std::string(ParseManifests(deep).status().message()),
            "manifest nests deeper than 64 levels (at line 65)");
  std::string dashes;
  for (int i = 0; i < 100; ++i) dashes += "- ";
  EXPECT_THAT(std::string(ParseManifests(dashes + "x").status().message()),
              HasSubstr("nests deeper than 64 levels"));
}

TEST(ParseManifests, NestingInsideQuotesAndCommentsIsNotCounted) {
  std::string brackets(100, '[');
  AppSpec app = ParseOne(Minimal("q") + "# " + brackets + "\n  command: [\"" + brackets + "\", '" +
                         brackets + "']\n");
  EXPECT_EQ(app.command.size(), 2u);
}

TEST(ParseManifests, RefusesAStrayCommaOnWhichYamlCppWouldLoopForever) {
  EXPECT_EQ(std::string(ParseManifests(",").status().message()),
            "document 1: line 1, column 1: invalid YAML: unexpected \",\"");
  EXPECT_EQ(std::string(ParseManifests("a: 1\n---\n[a], b").status().message()),
            "document 2: line 3, column 4: invalid YAML: unexpected \",\"");
  for (const char* input : {"- a\n,", "\"a\" ,", "&x [*x] ,", "! ,", "%YAML 1.2\n--- ,"}) {
    EXPECT_THAT(std::string(ParseManifests(input).status().message()),
                HasSubstr("invalid YAML: unexpected \",\""))
        << input;
  }
}

TEST(ParseManifests, NeverThrowsOnTrickyYaml) {
  const char* inputs[] = {
      "&a [*a]",          "*unknown",         "? [a, b]\n: c\n", "a: !custom x",
      "%YAML 1.2\n---\n", "a: b\n  c: d\n",   "{a: 1, a: 2}",    "\357\273\277a: 1",
      "- &x {a: *x}",     "a: |\n  text\n b", "!!binary abc",    "'unterminated",
  };
  for (const char* input : inputs) {
    absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(input);
    EXPECT_FALSE(apps.ok()) << input;
  }
}

TEST(ValidateApp, AcceptsAValidApp) {
  AppSpec app = ParseOne(kFull);
  EXPECT_TRUE(ValidateApp(app).ok());
}

TEST(ValidateApp, ReportsEveryRuleWithTheAppName) {
  AppSpec app = ParseOne(kFull);
  app.priority = 0;
  app.image = "Bad Image";
  app.replicas = {5, 2};
  app.env["1BAD"] = "x";
  app.demand.tolerance = 2;
  app.demand.interval_seconds = std::numeric_limits<double>::quiet_NaN();
  app.demand.prometheus.url = "http://x";
  EXPECT_EQ(std::string(ValidateApp(app).message()),
            "app checkout-api: spec.priority: must be between 1 and 1000 (got 0)\n"
            "app checkout-api: spec.image: is not a valid image reference: it must not contain "
            "spaces or control characters (got \"Bad Image\"; expected "
            "[registry/]repository[:tag][@sha256:digest], like \"microscale/demo:latest\")\n"
            "app checkout-api: spec.env.1BAD: is not a valid environment variable name: letters, "
            "digits and '_', not starting with a digit (got \"1BAD\")\n"
            "app checkout-api: spec.replicas.max: must be >= spec.replicas.min (5)\n"
            "app checkout-api: spec.demand.intervalSeconds: must be a finite number\n"
            "app checkout-api: spec.demand.tolerance: must be <= 1 (got 2)\n"
            "app checkout-api: spec.demand.prometheus: is only allowed when spec.demand.source "
            "is prometheus (source is static)");
  app = AppSpec{};
  EXPECT_EQ(std::string(ValidateApp(app).message()),
            "app: metadata.name: is required\napp: spec.image: is required");
}

}  // namespace
}  // namespace microscale
