// A table of bad manifests, each with the exact document prefix and field path its error
// must name.
#include <string>
#include <vector>

#include "common/manifest/manifest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kHeader = "apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: bad\n";
const std::string kOk = "  image: busybox\n  replicas: {max: 3}\n";

// A document named "bad" with the given spec lines.
std::string Spec(const std::string& lines) { return kHeader + "spec:\n" + lines; }
// A document named "bad" with a valid image and replicas and the given demand lines.
std::string Demand(const std::string& lines) { return Spec(kOk + "  demand:\n" + lines); }

// "{k0: v, k1: v, ...}" with `count` entries.
std::string FlowMap(const std::string& key_prefix, size_t count) {
  std::string out = "{";
  for (size_t i = 0; i < count; ++i)
    out += (i ? ", " : "") + key_prefix + std::to_string(i) + ": v";
  return out + "}";
}

// "[a, a, ...]" with `count` arguments of `size` letters.
std::string FlowList(size_t count, size_t size) {
  std::string out = "[";
  for (size_t i = 0; i < count; ++i) out += (i ? ", " : "") + std::string(size, 'a');
  return out + "]";
}

// Demand lines for a redis-list source (a backlog source, so queue mode is allowed) plus
// `extra`.
std::string Backlog(const std::string& extra) {
  return Demand("    source: redis-list\n    redisList: {address: \"h:6379\", key: jobs}\n" +
                extra);
}

struct BadManifest {
  std::string yaml;
  std::string prefix;  // "document N (name): field.path: "
  std::string reason;  // a part of the reason
};

const std::vector<BadManifest>& Cases() {
  static const auto* cases = new std::vector<BadManifest>{
      {"apiVersion: v1\nkind: App\nmetadata: {name: bad}\nspec:\n" + kOk,
       "document 1 (bad): apiVersion: ", "must be microscale.io/v1 (got \"v1\")"},
      {"kind: App\nmetadata: {name: bad}\nspec:\n" + kOk,
       "document 1 (bad): apiVersion: ", "is required"},
      {"apiVersion: microscale.io/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n" + kOk,
       "document 1 (bad): kind: ", "must be App"},
      {Spec(kOk) + "status: {}\n", "document 1 (bad): status: ", "unknown field"},
      {"apiVersion: microscale.io/v1\nkind: App\nspec:\n" + kOk,
       "document 1: metadata: ", "is required"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: Checkout_API}\nspec:\n" + kOk,
       "document 1: metadata.name: ", "must be a DNS label"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: " + std::string(64, 'a') +
           "}\nspec:\n" + kOk,
       "document 1: metadata.name: ", "at most 63 characters"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: bad, namespace: x}\nspec:\n" +
           kOk,
       "document 1 (bad): metadata.namespace: ", "unknown field"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: bad\n  labels: {team: "
       "\"-x\"}\nspec:\n" +
           kOk,
       "document 1 (bad): metadata.labels.team: ", "is not a valid label value"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: bad\n  labels: {\"bad "
       "key\": x}\nspec:\n" +
           kOk,
       "document 1 (bad): metadata.labels[\"bad key\"]: ", "is not a valid label key"},
      {kHeader, "document 1 (bad): spec: ", "is required"},
      {Spec(kOk + "  nodeSelector: {zone: \"a b\"}\n"),
       "document 1 (bad): spec.nodeSelector.zone: ", "is not a valid label value"},
      {Spec(kOk + "  nodeSelector: {\"-zone\": a}\n"),
       "document 1 (bad): spec.nodeSelector.-zone: ", "is not a valid label key"},
      {Spec(kOk + "  nodeSelector: [zone]\n"),
       "document 1 (bad): spec.nodeSelector: ", "must be a mapping of strings to strings"},
      {Spec(kOk + "  ports: [{containerPort: 0}]\n"),
       "document 1 (bad): spec.ports[0].containerPort: ", "must be between 1 and 65535"},
      {Spec(kOk + "  ports: [{containerPort: 65536}]\n"),
       "document 1 (bad): spec.ports[0].containerPort: ", "must be between 1 and 65535"},
      {Spec(kOk + "  ports: [{name: http}]\n"),
       "document 1 (bad): spec.ports[0].containerPort: ", "is required"},
      {Spec(kOk + "  ports: [{containerPort: 80}, {containerPort: 80}]\n"),
       "document 1 (bad): spec.ports[1].containerPort: ", "duplicates spec.ports[0] (80)"},
      {Spec(kOk + "  ports: [{name: web, containerPort: 80}, {name: web, containerPort: 81}]\n"),
       "document 1 (bad): spec.ports[1].name: ", "duplicates spec.ports[0] (\"web\")"},
      {Spec(kOk + "  ports: [{name: Web_1, containerPort: 80}]\n"),
       "document 1 (bad): spec.ports[0].name: ", "must be a port name"},
      {Spec(kOk + "  ports: [{containerPort: 80, protocol: udp}]\n"),
       "document 1 (bad): spec.ports[0].protocol: ", "unknown field"},
      {Spec(kOk + "  ports: [8080]\n"), "document 1 (bad): spec.ports[0]: ", "must be a mapping"},
      {Spec(kOk + "  ports: {http: 8080}\n"),
       "document 1 (bad): spec.ports: ", "must be a list of mappings"},
      {Spec(kOk + "  healthCheck: {intervalSeconds: 2}\n"),
       "document 1 (bad): spec.healthCheck.command: ", "is required"},
      {Spec(kOk + "  healthCheck: {command: []}\n"),
       "document 1 (bad): spec.healthCheck.command: ", "is required"},
      {Spec(kOk + "  healthCheck: {command: [test], retries: 0}\n"),
       "document 1 (bad): spec.healthCheck.retries: ", "must be between 1 and 100"},
      {Spec(kOk + "  healthCheck: {command: [test], intervalSeconds: 0}\n"),
       "document 1 (bad): spec.healthCheck.intervalSeconds: ", "must be >= 0.001"},
      {Spec(kOk + "  healthCheck: {command: test}\n"),
       "document 1 (bad): spec.healthCheck.command: ", "must be a list of strings"},
      {Spec(kOk + "  healthCheck: {command: [test], path: /healthz}\n"),
       "document 1 (bad): spec.healthCheck.path: ", "unknown field"},
      {Spec(kOk + "  network: none\n  ports: [{containerPort: 80}]\n"),
       "document 1 (bad): spec.ports: ", "must be empty with spec.network none"},
      {Spec(kOk + "  priority: 0\n"),
       "document 1 (bad): spec.priority: ", "must be between 1 and 1000 (got integer 0)"},
      {Spec(kOk + "  priority: 1001\n"),
       "document 1 (bad): spec.priority: ", "must be between 1 and 1000"},
      {Spec(kOk + "  priority: 2.5\n"),
       "document 1 (bad): spec.priority: ", "must be an integer (got number 2.5)"},
      {Spec(kOk + "  priority: \"5\"\n"),
       "document 1 (bad): spec.priority: ", "must be an integer (got string \"5\")"},
      {Spec(kOk + "  priority: .nan\n"), "document 1 (bad): spec.priority: ", "must be an integer"},
      {Spec(kOk + "  priority: !foo 3\n"), "document 1 (bad): spec.priority: ", "unsupported tag"},
      {Spec(kOk + "  priority: 1\n  priority: 2\n"),
       "document 1 (bad): spec.priority: ", "duplicate key"},
      {Spec(kOk + "  priorty: 1\n"),
       "document 1 (bad): spec.priorty: ", "unknown field (did you mean \"priority\"?)"},
      {Spec("  replicas: {max: 3}\n"), "document 1 (bad): spec.image: ", "is required"},
      {Spec("  image: Microscale/Demo\n  replicas: {max: 3}\n"),
       "document 1 (bad): spec.image: ", "must be lowercase"},
      {Spec("  image: \"busybox latest\"\n  replicas: {max: 3}\n"),
       "document 1 (bad): spec.image: ", "must not contain spaces"},
      {Spec("  image: busybox@sha256:abc\n  replicas: {max: 3}\n"),
       "document 1 (bad): spec.image: ", "the digest must be sha256"},
      {Spec("  image: \"busybox:-x\"\n  replicas: {max: 3}\n"),
       "document 1 (bad): spec.image: ", "tag \"-x\""},
      {Spec(kOk + "  command: /bin/sh -c true\n"),
       "document 1 (bad): spec.command: ", "must be a list of strings"},
      {Spec(kOk + "  command: [sleep, 10]\n"),
       "document 1 (bad): spec.command[1]: ", "must be a string (got integer 10)"},
      {Spec(kOk + "  env: {1X: a}\n"),
       "document 1 (bad): spec.env.1X: ", "is not a valid environment variable name"},
      {Spec(kOk + "  env: {MODE: {a: b}}\n"),
       "document 1 (bad): spec.env.MODE: ", "must be a string (got a mapping)"},
      {"apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: bad\n  labels: " +
           FlowMap("l", 65) + "\nspec:\n" + kOk,
       "document 1 (bad): metadata.labels: ", "must have at most 64 labels (got 65)"},
      {Spec(kOk + "  command: " + FlowList(257, 1) + "\n"),
       "document 1 (bad): spec.command: ", "must have at most 256 arguments (got 257)"},
      {Spec(kOk + "  command: " + FlowList(2, 20000) + "\n"), "document 1 (bad): spec.command: ",
       "must have at most 32768 bytes in all its arguments (got 40000)"},
      {Spec(kOk + "  env: " + FlowMap("V", 257) + "\n"),
       "document 1 (bad): spec.env: ", "must have at most 256 variables (got 257)"},
      {Spec(kOk + "  env: {MODE: " + std::string(32769, 'x') + "}\n"),
       "document 1 (bad): spec.env.MODE: ", "must have at most 32768 bytes in its value"},
      {Spec(kOk + "  env: {" + std::string(257, 'N') + ": x}\n"),
       "document 1 (bad): spec.env." + std::string(257, 'N') + ": ",
       "must have at most 256 bytes in its name"},
      {Spec(kOk + "  network: overlay\n"),
       "document 1 (bad): spec.network: ", "must be one of bridge, host, none (got \"overlay\")"},
      {Spec(kOk + "  resources: {cpu: abc}\n"),
       "document 1 (bad): spec.resources.cpu: ", "is not a CPU quantity"},
      {Spec(kOk + "  resources: {cpu: 0}\n"),
       "document 1 (bad): spec.resources.cpu: ", "must be greater than zero"},
      {Spec(kOk + "  resources: {memory: 64MB}\n"),
       "document 1 (bad): spec.resources.memory: ", "is not a memory quantity"},
      {Spec(kOk + "  resources: {memory: -1}\n"),
       "document 1 (bad): spec.resources.memory: ", "is not a memory quantity"},
      {Spec(kOk + "  resources: {memory: .inf}\n"),
       "document 1 (bad): spec.resources.memory: ", "must be a finite number"},
      {Spec(kOk + "  resources: {gpu: 1}\n"),
       "document 1 (bad): spec.resources.gpu: ", "unknown field"},
      {Spec("  image: busybox\n"), "document 1 (bad): spec.replicas: ", "is required"},
      {Spec("  image: busybox\n  replicas: {min: 1}\n"),
       "document 1 (bad): spec.replicas.max: ", "is required"},
      {Spec("  image: busybox\n  replicas: {min: 5, max: 2}\n"),
       "document 1 (bad): spec.replicas.max: ", "must be >= spec.replicas.min (5)"},
      {Spec("  image: busybox\n  replicas: {min: 10001, max: 5}\n"),
       "document 1 (bad): spec.replicas.min: ", "must be between 0 and 10000"},
      {Spec(kOk + "  preemptible: yes\n"),
       "document 1 (bad): spec.preemptible: ", "must be true or false (got string \"yes\")"},
      {Spec(kOk + "  preemption: kill\n"),
       "document 1 (bad): spec.preemption: ", "must be one of stop, pause"},
      {Spec(kOk + "  standby: -1\n"),
       "document 1 (bad): spec.standby: ", "must be between 0 and 10000"},
      {Spec(kOk + "  stopTimeoutSeconds: 3601\n"),
       "document 1 (bad): spec.stopTimeoutSeconds: ", "must be between 0 and 3600"},
      {Spec(kOk + "  demand: 5\n"), "document 1 (bad): spec.demand: ", "must be a mapping"},
      {Demand("    source: Static\n"), "document 1 (bad): spec.demand.source: ",
       "must be one of static, random, prometheus, redis-list, http-json, redis-stream, rabbitmq, "
       "nats, external (got \"Static\")"},
      {Demand("    targetPerContainer: 0\n"),
       "document 1 (bad): spec.demand.targetPerContainer: ", "must be > 0 (got 0)"},
      {Demand("    intervalSeconds: .inf\n"), "document 1 (bad): spec.demand.intervalSeconds: ",
       "must be a finite number (got number .inf)"},
      {Demand("    intervalSeconds: 3601\n"),
       "document 1 (bad): spec.demand.intervalSeconds: ", "must be <= 3600"},
      {Demand("    timeoutSeconds: 0\n"),
       "document 1 (bad): spec.demand.timeoutSeconds: ", "must be > 0"},
      {Demand("    tolerance: 1.5\n"),
       "document 1 (bad): spec.demand.tolerance: ", "must be <= 1 (got 1.5)"},
      {Demand("    scaleDownDelaySeconds: -1\n"),
       "document 1 (bad): spec.demand.scaleDownDelaySeconds: ", "must be >= 0"},
      {Demand("    fallback: {afterFailures: 0, replicas: 1}\n"),
       "document 1 (bad): spec.demand.fallback.afterFailures: ", "must be between 1 and"},
      {Demand("    fallback: {afterFailures: 2}\n"),
       "document 1 (bad): spec.demand.fallback.replicas: ", "is required"},
      {Demand("    value: -1\n"), "document 1 (bad): spec.demand.value: ", "must be >= 0"},
      {Demand("    value: 1\n    source: random\n    random: {max: 2}\n"),
       "document 1 (bad): spec.demand.value: ",
       "is only allowed when spec.demand.source is static (source is random)"},
      {Demand("    source: prometheus\n"), "document 1 (bad): spec.demand.prometheus: ",
       "is required when spec.demand.source is prometheus"},
      {Demand("    source: prometheus\n    prometheus: {url: \"ftp://x\", query: up}\n"),
       "document 1 (bad): spec.demand.prometheus.url: ", "must be an http:// or https:// URL"},
      {Demand("    source: prometheus\n    prometheus: {url: \"http://x\"}\n"),
       "document 1 (bad): spec.demand.prometheus.query: ", "is required"},
      {Demand("    random: {max: 3}\n"), "document 1 (bad): spec.demand.random: ",
       "is only allowed when spec.demand.source is random (source is static)"},
      {Demand("    source: random\n    random: {min: 5, max: 2}\n"),
       "document 1 (bad): spec.demand.random.max: ", "must be >= spec.demand.random.min (5)"},
      {Demand("    source: random\n    random: {max: 2, changeEverySeconds: 0}\n"),
       "document 1 (bad): spec.demand.random.changeEverySeconds: ", "must be > 0"},
      {Demand("    source: random\n    random: {max: 2, seed: -1}\n"),
       "document 1 (bad): spec.demand.random.seed: ",
       "must be an integer from 0 to 18446744073709551615 (got integer -1)"},
      {Demand("    source: redis-list\n    redisList: {address: localhost, key: jobs}\n"),
       "document 1 (bad): spec.demand.redisList.address: ", "must be host:port"},
      {Demand("    source: redis-list\n    redisList: {address: \"h:6379\", key: j, database: "
              "16}\n"),
       "document 1 (bad): spec.demand.redisList.database: ", "must be between 0 and 15"},
      {Demand("    source: redis-list\n    redisList: {address: \"h:6379\"}\n"),
       "document 1 (bad): spec.demand.redisList.key: ", "is required"},
      {Demand("    source: external\n    external: {metadata: {queue: q}}\n"),
       "document 1 (bad): spec.demand.external.address: ", "is required"},
      {Demand("    source: external\n    external: {address: \"h:9090\", tls: {ca: a.pem, cert: "
              "c.pem}}\n"),
       "document 1 (bad): spec.demand.external.tls.key: ",
       "cert and key go together: set both or neither"},
      {Demand("    source: external\n    external: {address: \"h:9090\", scalerAddress: x}\n"),
       "document 1 (bad): spec.demand.external.scalerAddress: ", "unknown field"},
      {Demand("    source: rabbitmq\n    rabbitmq: {url: \"http://h:15672\"}\n"),
       "document 1 (bad): spec.demand.rabbitmq.queue: ", "is required"},
      {Demand("    source: rabbitmq\n    rabbitmq: {url: \"http://\", queue: jobs}\n"),
       "document 1 (bad): spec.demand.rabbitmq.url: ", "has no host (got \"http://\")"},
      {Demand("    source: rabbitmq\n    rabbitmq: {url: \"http://h:15672\", queue: q, exchange: "
              "x}\n"),
       "document 1 (bad): spec.demand.rabbitmq.exchange: ", "unknown field"},
      {Demand("    source: nats\n    nats: {monitorUrl: \"http://h:8222\", stream: ORDERS}\n"),
       "document 1 (bad): spec.demand.nats.consumer: ", "is required"},
      {Demand("    source: nats\n    nats: {monitorUrl: \"h:8222\", stream: S, consumer: c}\n"),
       "document 1 (bad): spec.demand.nats.monitorUrl: ", "http://"},
      {Demand("    source: nats\n    nats: {monitorUrl: \"http://h:8222\", stream: S, consumer: c, "
              "subject: x}\n"),
       "document 1 (bad): spec.demand.nats.subject: ", "unknown field"},
      {Demand("    source: redis-stream\n    redisStream: {address: \"h:6379\", key: orders}\n"),
       "document 1 (bad): spec.demand.redisStream.group: ", "is required"},
      {Demand(
           "    source: redis-stream\n    redisStream: {address: \":6379\", key: o, group: g}\n"),
       "document 1 (bad): spec.demand.redisStream.address: ",
       "must be host:port with a port from 1 to 65535, like \"127.0.0.1:6379\" (got \":6379\")"},
      {Demand("    source: redis-stream\n    redisStream: {address: \"h:6379\", key: o, group: g, "
              "consumer: c}\n"),
       "document 1 (bad): spec.demand.redisStream.consumer: ", "unknown field"},
      {Demand("    source: redis-list\n    redisList: {address: \"h:6379\", key: j}\n"
              "    redisStream: {address: \"h:6379\", key: o, group: g}\n"),
       "document 1 (bad): spec.demand.redisStream: ",
       "is only allowed when spec.demand.source is redis-stream (source is redis-list)"},
      {Demand("    source: http-json\n    httpJson: {url: \"http://h/\", pointer: queue}\n"),
       "document 1 (bad): spec.demand.httpJson.pointer: ", "must be a JSON pointer (RFC 6901)"},
      {Demand("    source: http-json\n    httpJson:\n      url: http://h/\n      headers: "
              "{\"Bad Header\": x}\n"),
       "document 1 (bad): spec.demand.httpJson.headers[\"Bad Header\"]: ",
       "is not a valid HTTP header name"},
      {Backlog("    queue: {perContainerRate: 1}\n"), "document 1 (bad): spec.demand.queue: ",
       "set exactly one of backlogTarget or targetWaitSeconds (neither is set)"},
      {Backlog("    queue: {}\n"), "document 1 (bad): spec.demand.queue: ",
       "set exactly one of backlogTarget or targetWaitSeconds (neither is set)"},
      {Backlog("    queue: {backlogTarget: 10, targetWaitSeconds: 2}\n"),
       "document 1 (bad): spec.demand.queue: ",
       "set exactly one of backlogTarget or targetWaitSeconds (both are set)"},
      {Backlog("    queue: {backlogTarget: -1}\n"),
       "document 1 (bad): spec.demand.queue.backlogTarget: ", "must be >= 0 (got -1)"},
      {Backlog("    queue: {backlogTarget: ten}\n"),
       "document 1 (bad): spec.demand.queue.backlogTarget: ",
       "must be a number (got string \"ten\")"},
      {Backlog("    queue: {targetWaitSeconds: 0}\n"),
       "document 1 (bad): spec.demand.queue.targetWaitSeconds: ", "must be > 0 (got 0)"},
      {Backlog("    queue: {targetWaitSeconds: .inf}\n"),
       "document 1 (bad): spec.demand.queue.targetWaitSeconds: ", "must be a finite number"},
      {Backlog("    queue: {backlogTarget: 5, perContainerRate: 0}\n"),
       "document 1 (bad): spec.demand.queue.perContainerRate: ", "must be > 0 (got 0)"},
      {Backlog("    queue: {backlogTarget: 5, backlog: 3}\n"),
       "document 1 (bad): spec.demand.queue.backlog: ", "unknown field"},
      {Backlog("    queue: 10\n"), "document 1 (bad): spec.demand.queue: ", "must be a mapping"},
      {Demand("    queue: {backlogTarget: 10}\n"), "document 1 (bad): spec.demand.queue: ",
       "queue mode needs a backlog source (redis-list, redis-stream, rabbitmq, nats, http-json, "
       "prometheus, external); source is static"},
      {Demand("    source: random\n    random: {max: 2}\n    queue: {backlogTarget: 10}\n"),
       "document 1 (bad): spec.demand.queue: ",
       "queue mode needs a backlog source (redis-list, redis-stream, rabbitmq, nats, http-json, "
       "prometheus, external); source is random"},
      {Demand("    predictive: {}\n"),
       "document 1 (bad): spec.demand.predictive.horizonSeconds: ", "is required"},
      {Demand("    predictive: {horizonSeconds: 0}\n"),
       "document 1 (bad): spec.demand.predictive.horizonSeconds: ", "must be > 0 (got 0)"},
      {Demand("    predictive: {horizonSeconds: 3601}\n"),
       "document 1 (bad): spec.demand.predictive.horizonSeconds: ", "must be <= 3600 (got 3601)"},
      {Demand("    predictive: {horizonSeconds: 30, method: linear}\n"),
       "document 1 (bad): spec.demand.predictive.method: ", "unknown field"},
      {Demand("    predictive: true\n"),
       "document 1 (bad): spec.demand.predictive: ", "must be a mapping"},
      {Spec(kOk) + "---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: b2}\nspec:\n" +
           kOk + "  standby: 10001\n",
       "document 2 (b2): spec.standby: ", "must be between 0 and 10000"},
      {Spec(kOk) + "---\n- a\n", "document 2: ", "must be a mapping"},
  };
  return *cases;
}

TEST(BadManifests, TableHasAtLeastThirtyCases) { EXPECT_GE(Cases().size(), 30u); }

TEST(BadManifests, EachReportsExactlyOneErrorAtItsPath) {
  for (const BadManifest& c : Cases()) {
    absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(c.yaml);
    ASSERT_EQ(apps.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    std::string message(apps.status().message());
    EXPECT_THAT(message, StartsWith(c.prefix)) << c.yaml;
    EXPECT_THAT(message, HasSubstr(c.reason)) << c.yaml;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "more than one error for\n"
                                                     << c.yaml << "\n"
                                                     << message;
  }
}

// Every problem of a document is reported at once: a value that is not a string and a bad
// variable name in the same map (the name once showed only after the value was fixed).
TEST(BadManifests, EveryErrorOfAMapAtOnce) {
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(Spec(kOk + "  env: {A: 1, 1B: x}\n"));
  ASSERT_EQ(apps.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(apps.status().message());
  EXPECT_THAT(message, HasSubstr("spec.env.A: must be a string")) << message;
  EXPECT_THAT(message, HasSubstr("spec.env.1B: is not a valid environment variable name"))
      << message;
}

}  // namespace
}  // namespace microscale
