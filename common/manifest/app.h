// App: the plain-struct form of an App manifest (apiVersion microscale.io/v1, kind App).
//
// These structs carry no behaviour and no I/O, so the controller's pure core, the
// store and the CLI can all share them. Defaults match ../../docs/manifest.md.
// Thread-safety: plain values; copy freely.
#ifndef MICROSCALE_COMMON_MANIFEST_APP_H_
#define MICROSCALE_COMMON_MANIFEST_APP_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace microscale {

enum class NetworkMode { kBridge, kHost, kNone };
enum class PreemptionMode { kStop, kPause };
enum class DemandSourceKind {
  kStatic,
  kRandom,
  kPrometheus,
  kRedisList,
  kHttpJson,
  kRedisStream,
  kRabbitMq,
  kNats,
  kExternal
};
inline constexpr DemandSourceKind kDemandSourceKinds[] = {
    DemandSourceKind::kStatic,    DemandSourceKind::kRandom,   DemandSourceKind::kPrometheus,
    DemandSourceKind::kRedisList, DemandSourceKind::kHttpJson, DemandSourceKind::kRedisStream,
    DemandSourceKind::kRabbitMq,  DemandSourceKind::kNats,     DemandSourceKind::kExternal};

inline constexpr int64_t kMebibyte = int64_t{1} << 20;

struct Resources {
  int64_t cpu_millis = 100;
  int64_t memory_bytes = 64 * kMebibyte;
  bool operator==(const Resources&) const = default;
};

struct Replicas {
  int32_t min = 0;
  int32_t max = 0;
  bool operator==(const Replicas&) const = default;
};

struct Fallback {
  int32_t after_failures = 3;
  int32_t replicas = 0;
  bool operator==(const Fallback&) const = default;
};

struct RandomDemand {
  double min = 0;
  double max = 0;
  double change_every_seconds = 1;
  std::optional<uint64_t> seed;
  bool operator==(const RandomDemand&) const = default;
};

struct PrometheusDemand {
  std::string url;
  std::string query;
  bool operator==(const PrometheusDemand&) const = default;
};

struct RedisListDemand {
  std::string address;
  std::string key;
  std::string password;
  int32_t database = 0;
  bool operator==(const RedisListDemand&) const = default;
};

// A Redis stream's consumer group: demand is its lag (entries not yet delivered to the
// group) plus its pending entries (delivered, not yet acknowledged).
struct RedisStreamDemand {
  std::string address;
  std::string key;
  std::string group;
  std::string password;
  int32_t database = 0;
  bool operator==(const RedisStreamDemand&) const = default;
};

// A RabbitMQ queue: demand is its messages ready plus unacknowledged, from the management
// plugin's HTTP API.
struct RabbitMqDemand {
  std::string url;  // the management API's origin, "http://127.0.0.1:15672"
  std::string vhost = "/";
  std::string queue;
  std::string username = "guest";
  std::string password = "guest";
  bool operator==(const RabbitMqDemand&) const = default;
};

// A NATS JetStream consumer: demand is its messages not yet delivered plus those delivered and
// not yet acknowledged, from the server's monitoring endpoint (/jsz?consumers=true).
struct NatsDemand {
  std::string monitor_url;  // the monitoring endpoint's origin, "http://127.0.0.1:8222"
  std::string stream;
  std::string consumer;  // a durable consumer's name
  std::string account;   // "" : the stream is looked for in every account
  bool operator==(const NatsDemand&) const = default;
};

// TLS to an external scaler: PEM files read by the controller. `ca` verifies the server;
// `cert` and `key`, as a pair, identify the controller to a server that asks.
struct ExternalTls {
  std::string ca;
  std::string cert;
  std::string key;
  bool operator==(const ExternalTls&) const = default;
};

// A server of KEDA's externalscaler.ExternalScaler gRPC service: demand is the sum of its
// GetMetrics values, 0 while IsActive says false.
struct ExternalDemand {
  std::string address;                          // host:port
  std::map<std::string, std::string> metadata;  // passed to the scaler as scalerMetadata
  std::optional<ExternalTls> tls;               // unset: plaintext
  bool operator==(const ExternalDemand&) const = default;
};

struct HttpJsonDemand {
  std::string url;
  std::string pointer;
  std::map<std::string, std::string> headers;
  // A JSON pointer to the items ever enqueued (a counter that only grows), for queue mode.
  std::optional<std::string> arrivals_pointer = std::nullopt;
  bool operator==(const HttpJsonDemand&) const = default;
};

// Queue mode (`demand.queue`): the source reads a backlog, and the controller holds it near a
// target from the estimated arrival and drain rates instead of scaling on its level.
// Exactly one of backlog_target and target_wait_seconds is set.
struct QueueSpec {
  std::optional<double> backlog_target;       // items to hold in the queue (>= 0)
  std::optional<double> target_wait_seconds;  // or: the wait an item should see (> 0)
  std::optional<double> per_container_rate;   // items/s one container drains; estimated if unset
  bool operator==(const QueueSpec&) const = default;
};

// Predictive scale-up (`demand.predictive`): scale on the demand forecast this far ahead
// when it is above the current demand; never on the way down.
struct PredictiveSpec {
  double horizon_seconds = 0;  // > 0
  bool operator==(const PredictiveSpec&) const = default;
};

struct DemandSpec {
  DemandSourceKind source = DemandSourceKind::kStatic;
  double target_per_container = 1;
  double interval_seconds = 1;
  double timeout_seconds = 2;
  double tolerance = 0;
  double scale_down_delay_seconds = 0;
  std::optional<Fallback> fallback;
  std::optional<QueueSpec> queue;  // unset: level mode, ceil(demand / target_per_container)
  std::optional<PredictiveSpec> predictive;
  std::optional<double> value;  // static source
  RandomDemand random;
  PrometheusDemand prometheus;
  RedisListDemand redis_list;
  HttpJsonDemand http_json;
  RedisStreamDemand redis_stream;
  RabbitMqDemand rabbitmq;
  NatsDemand nats;
  ExternalDemand external;
  bool operator==(const DemandSpec&) const = default;
};

// A tcp port the app's containers listen on. With network bridge it is published on a host
// port the agent picks from its --port-range; with network host it is the host port itself.
struct PortSpec {
  std::string name;  // optional; unique within the app
  int32_t container_port = 0;
  bool operator==(const PortSpec&) const = default;
};

// A command the engine runs in the container (Docker's own healthcheck); exit 0 is healthy,
// and `retries` failures in a row make the container unhealthy. With one, a container is
// ready only while healthy; an unhealthy one is replaced.
struct HealthCheckSpec {
  std::vector<std::string> command;  // run directly (exec form); ["/bin/sh", "-c", ...] for a shell
  double interval_seconds = 5;
  double timeout_seconds = 3;
  int32_t retries = 3;
  double start_period_seconds = 0;  // failures in this time after start do not count
  bool operator==(const HealthCheckSpec&) const = default;
};

struct AppSpec {
  std::string name;
  std::map<std::string, std::string> labels;
  int32_t priority = 10;
  std::string image;
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  NetworkMode network = NetworkMode::kBridge;
  Resources resources;
  Replicas replicas;
  bool preemptible = true;
  PreemptionMode preemption = PreemptionMode::kStop;
  int32_t standby = 0;
  int32_t stop_timeout_seconds = 10;
  DemandSpec demand;
  // Only nodes whose agent labels include every pair get this app's containers.
  std::map<std::string, std::string> node_selector;
  std::vector<PortSpec> ports;
  std::optional<HealthCheckSpec> health_check;  // none: running counts as ready
  bool operator==(const AppSpec&) const = default;
};

// Host ports one container of `spec` takes from its node's --port-range: one per port on
// network bridge, none on host (its ports are the node's own) or none. (Inline: the
// decision core reads it without the manifest parser.)
inline int32_t PublishedPortCount(const AppSpec& spec) {
  return spec.network == NetworkMode::kBridge ? static_cast<int32_t>(spec.ports.size()) : 0;
}
// Network host with ports: two containers of the app cannot share a node.
inline bool HoldsHostPorts(const AppSpec& spec) {
  return spec.network == NetworkMode::kHost && !spec.ports.empty();
}

// Names as written in manifests ("bridge", "pause", "redis-list", ...).
const char* NetworkModeName(NetworkMode mode);
const char* PreemptionModeName(PreemptionMode mode);
const char* DemandSourceName(DemandSourceKind kind);
// Every source's manifest name, in kDemandSourceKinds order: "static, random, ...".
std::string DemandSourceNameList();

// The reverse: the enum for a manifest name, or nullopt for an unknown name.
std::optional<NetworkMode> NetworkModeFromName(std::string_view name);
std::optional<PreemptionMode> PreemptionModeFromName(std::string_view name);
std::optional<DemandSourceKind> DemandSourceFromName(std::string_view name);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_MANIFEST_APP_H_
