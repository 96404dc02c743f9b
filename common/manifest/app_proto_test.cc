#include "common/manifest/app_proto.h"

#include <string>

#include "common/manifest/manifest.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

std::vector<AppSpec> Samples() {
  constexpr char kYaml[] = R"(apiVersion: microscale.io/v1
kind: App
metadata: {name: api, labels: {team: payments}}
spec:
  priority: 1
  image: microscale/demo:latest
  command: [/bin/sh, -c, sleep 100]
  env: {MODE: api}
  network: host
  resources: {cpu: 1500m, memory: 1Gi}
  replicas: {min: 1, max: 20}
  preemptible: false
  preemption: pause
  standby: 2
  stopTimeoutSeconds: 5
  nodeSelector: {zone: a, example.com/disk: ssd}
  ports: [{name: http, containerPort: 8080}, {containerPort: 9100}]
  healthCheck: {command: [/bin/test, -f, /tmp/ready], intervalSeconds: 2, retries: 5}
  demand:
    source: random
    targetPerContainer: 10
    intervalSeconds: 0.5
    timeoutSeconds: 3
    tolerance: 0.1
    scaleDownDelaySeconds: 60
    fallback: {afterFailures: 3, replicas: 2}
    random: {min: 0, max: 40, changeEverySeconds: 3, seed: 7}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: worker}
spec:
  image: busybox
  replicas: {max: 5}
  demand: {source: http-json, httpJson: {url: "http://h/s", pointer: /a/b, headers: {X-A: b}}}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: queue}
spec:
  image: busybox
  replicas: {max: 5}
  demand: {source: redis-list, redisList: {address: "r:6379", key: jobs, password: pw, database: 2}}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: backlog}
spec:
  image: busybox
  replicas: {max: 5}
  demand:
    source: redis-list
    redisList: {address: "r:6379", key: jobs}
    queue: {backlogTarget: 0, perContainerRate: 1.5}
    predictive: {horizonSeconds: 30}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: wait}
spec:
  image: busybox
  replicas: {max: 5}
  demand:
    source: http-json
    httpJson: {url: "http://h/s", pointer: /depth, arrivalsPointer: /enqueued}
    queue: {targetWaitSeconds: 2}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: prom}
spec:
  image: busybox
  replicas: {max: 5}
  demand: {source: prometheus, prometheus: {url: "http://p:9090", query: up}}
---
apiVersion: microscale.io/v1
kind: App
metadata: {name: fixed}
spec:
  image: busybox
  replicas: {max: 5}
  demand: {value: 3}
)";
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(kYaml);
  EXPECT_TRUE(apps.ok()) << apps.status();
  return apps.ok() ? *apps : std::vector<AppSpec>{};
}

TEST(AppProto, RoundTripsEveryField) {
  std::vector<AppSpec> apps = Samples();
  ASSERT_EQ(apps.size(), 7u);
  for (const AppSpec& app : apps) {
    v1::AppSpec proto = AppToProto(app);
    absl::StatusOr<AppSpec> back = AppFromProto(proto);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, app) << proto.DebugString();
  }
}

TEST(AppProto, WritesTheFieldsByName) {
  v1::AppSpec proto = AppToProto(Samples().front());
  EXPECT_EQ(proto.name(), "api");
  EXPECT_EQ(proto.network(), "host");
  EXPECT_EQ(proto.preemption(), "pause");
  EXPECT_EQ(proto.resources().cpu_millis(), 1500);
  EXPECT_EQ(proto.resources().memory_bytes(), int64_t{1} << 30);
  EXPECT_EQ(proto.demand().source(), "random");
  EXPECT_TRUE(proto.demand().random().has_seed());
  EXPECT_FALSE(proto.demand().has_prometheus());
  EXPECT_FALSE(proto.demand().has_value());
}

TEST(AppProto, WritesQueueAndPredictiveOnlyWhenSet) {
  std::vector<AppSpec> apps = Samples();
  ASSERT_EQ(apps.size(), 7u);
  v1::AppSpec level = AppToProto(apps[0]);
  EXPECT_FALSE(level.demand().has_queue());
  EXPECT_FALSE(level.demand().has_predictive());

  v1::AppSpec backlog = AppToProto(apps[3]);
  ASSERT_EQ(backlog.name(), "backlog");
  ASSERT_TRUE(backlog.demand().has_queue());
  // A backlog target of 0 is set, not the proto3 default.
  EXPECT_TRUE(backlog.demand().queue().has_backlog_target());
  EXPECT_EQ(backlog.demand().queue().backlog_target(), 0);
  EXPECT_FALSE(backlog.demand().queue().has_target_wait_seconds());
  EXPECT_EQ(backlog.demand().queue().per_container_rate(), 1.5);
  EXPECT_EQ(backlog.demand().predictive().horizon_seconds(), 30);

  v1::AppSpec wait = AppToProto(apps[4]);
  ASSERT_EQ(wait.name(), "wait");
  EXPECT_FALSE(wait.demand().queue().has_backlog_target());
  EXPECT_EQ(wait.demand().queue().target_wait_seconds(), 2);
  EXPECT_FALSE(wait.demand().queue().has_per_container_rate());
  EXPECT_FALSE(wait.demand().has_predictive());
}

TEST(AppProto, RefusesAQueueOrHorizonThatValidateAppRefuses) {
  v1::AppSpec proto = AppToProto(Samples()[3]);
  proto.mutable_demand()->mutable_queue()->set_target_wait_seconds(2);
  proto.mutable_demand()->mutable_predictive()->set_horizon_seconds(0);
  EXPECT_EQ(std::string(AppFromProto(proto).status().message()),
            "app backlog: spec.demand.queue: set exactly one of backlogTarget or "
            "targetWaitSeconds (both are set)\n"
            "app backlog: spec.demand.predictive.horizonSeconds: must be > 0 (got 0)");

  proto = AppToProto(Samples()[0]);  // random source
  proto.mutable_demand()->mutable_queue()->set_backlog_target(5);
  EXPECT_EQ(std::string(AppFromProto(proto).status().message()),
            "app api: spec.demand.queue: queue mode needs a backlog source (redis-list, "
            "redis-stream, rabbitmq, nats, http-json, prometheus, external); source is random");

  // An empty queue message is a queue with no target, not level mode.
  proto = AppToProto(Samples()[4]);
  proto.mutable_demand()->mutable_queue()->Clear();
  EXPECT_EQ(std::string(AppFromProto(proto).status().message()),
            "app wait: spec.demand.queue: set exactly one of backlogTarget or "
            "targetWaitSeconds (neither is set)");
}

TEST(AppProto, ZeroValuesTakeManifestDefaults) {
  v1::AppSpec proto;
  proto.set_name("bare");
  proto.set_image("busybox");
  proto.mutable_replicas()->set_max(1);
  absl::StatusOr<AppSpec> app = AppFromProto(proto);
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_EQ(app->priority, 10);
  EXPECT_EQ(app->resources, Resources{});
  EXPECT_EQ(app->network, NetworkMode::kBridge);
  EXPECT_EQ(app->demand.source, DemandSourceKind::kStatic);
  EXPECT_EQ(app->demand.target_per_container, 1);
  EXPECT_EQ(app->demand.timeout_seconds, 2);
  EXPECT_FALSE(app->demand.queue.has_value());
  EXPECT_FALSE(app->demand.predictive.has_value());
}

TEST(AppProto, RefusesWhatValidateAppRefuses) {
  v1::AppSpec proto = AppToProto(Samples().front());
  proto.set_network("overlay");
  proto.set_priority(5000);
  proto.mutable_demand()->mutable_prometheus()->set_url("http://x");
  absl::StatusOr<AppSpec> app = AppFromProto(proto);
  EXPECT_EQ(app.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(app.status().message()),
            "app api: spec.network: must be one of bridge, host, none (got \"overlay\")\n"
            "app api: spec.priority: must be between 1 and 1000 (got 5000)\n"
            "app api: spec.demand.prometheus: is only allowed when spec.demand.source is "
            "prometheus (source is random)");

  proto = AppToProto(Samples().front());
  proto.mutable_demand()->set_source("kafka");
  EXPECT_EQ(std::string(AppFromProto(proto).status().message()),
            "app api: spec.demand.source: must be one of static, random, prometheus, redis-list, "
            "http-json, redis-stream, rabbitmq, nats, external (got \"kafka\")");
}

}  // namespace
}  // namespace microscale
