#include "common/manifest/document_reader.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/manifest/node_reader.h"
#include "common/quantity.h"
#include "common/strings.h"

namespace microscale::manifest_internal {
namespace {

constexpr std::string_view kApiVersion = "microscale.io/v1";
constexpr std::string_view kKind = "App";
constexpr std::string_view kListKind = "AppList";

template <typename T>
void Set(T& field, std::optional<T> value) {
  if (value) field = std::move(*value);
}

// Reads an enum field by name; `names` lists the accepted names for the message.
template <typename Enum>
void SetEnum(MapReader& map, std::string_view key, Enum& field,
             std::optional<Enum> (*from_name)(std::string_view), std::string_view names) {
  std::optional<std::string> text = map.String(key);
  if (!text) return;
  std::optional<Enum> value = from_name(*text);
  if (value) {
    field = *value;
  } else {
    map.Fail(key, absl::StrCat("must be one of ", ToAbsl(names), " (got ", Quote(*text), ")"));
  }
}

void ReadConstant(MapReader& map, std::string_view key, std::string_view expected) {
  std::optional<std::string> value = map.String(key);
  if (!map.Has(key)) {
    map.Fail(key, absl::StrCat("is required (", ToAbsl(expected), ")"));
  } else if (value && *value != expected) {
    map.Fail(key, absl::StrCat("must be ", ToAbsl(expected), " (got ", Quote(*value), ")"));
  }
}

void ReadResources(MapReader& map, Resources& resources) {
  if (std::optional<std::string> cpu = map.QuantityText("cpu")) {
    absl::StatusOr<int64_t> millis = ParseCpuMillis(*cpu);
    if (millis.ok()) {
      resources.cpu_millis = *millis;
    } else {
      map.Fail("cpu", std::string(millis.status().message()));
    }
  }
  if (std::optional<std::string> memory = map.QuantityText("memory")) {
    absl::StatusOr<int64_t> bytes = ParseMemoryBytes(*memory);
    if (bytes.ok()) {
      resources.memory_bytes = *bytes;
    } else {
      map.Fail("memory", std::string(bytes.status().message()));
    }
  }
}

void ReadReplicas(MapReader& spec, Replicas& replicas) {
  if (!spec.Has("replicas")) {
    spec.Fail("replicas", "is required (at least max)");
    return;
  }
  std::optional<MapReader> map = spec.Map("replicas", {"min", "max"});
  if (!map) return;
  Set(replicas.min, map->Int32("min", kReplicaRange));
  if (!map->Has("max")) map->Fail("max", "is required");
  Set(replicas.max, map->Int32("max", kReplicaRange));
}

void ReadRandom(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("random", {"min", "max", "changeEverySeconds", "seed"});
  if (!map) return;
  RandomDemand& random = demand.random;
  Set(random.min, map->Number("min"));
  if (!map->Has("max")) map->Fail("max", "is required");
  Set(random.max, map->Number("max"));
  Set(random.change_every_seconds, map->Number("changeEverySeconds"));
  if (std::optional<uint64_t> seed = map->Uint64("seed")) random.seed = *seed;
}

void ReadPrometheus(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map = demand_map.Map("prometheus", {"url", "query"});
  if (!map) return;
  Set(demand.prometheus.url, map->String("url"));
  Set(demand.prometheus.query, map->String("query"));
}

void ReadRedisList(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("redisList", {"address", "key", "password", "database"});
  if (!map) return;
  RedisListDemand& redis = demand.redis_list;
  Set(redis.address, map->String("address"));
  Set(redis.key, map->String("key"));
  Set(redis.password, map->String("password"));
  Set(redis.database, map->Int32("database", kRedisDatabaseRange));
}

void ReadRedisStream(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("redisStream", {"address", "key", "group", "password", "database"});
  if (!map) return;
  RedisStreamDemand& redis = demand.redis_stream;
  Set(redis.address, map->String("address"));
  Set(redis.key, map->String("key"));
  Set(redis.group, map->String("group"));
  Set(redis.password, map->String("password"));
  Set(redis.database, map->Int32("database", kRedisDatabaseRange));
}

void ReadRabbitMq(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("rabbitmq", {"url", "vhost", "queue", "username", "password"});
  if (!map) return;
  RabbitMqDemand& rabbit = demand.rabbitmq;
  Set(rabbit.url, map->String("url"));
  Set(rabbit.vhost, map->String("vhost"));
  Set(rabbit.queue, map->String("queue"));
  Set(rabbit.username, map->String("username"));
  Set(rabbit.password, map->String("password"));
}

void ReadNats(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("nats", {"monitorUrl", "stream", "consumer", "account"});
  if (!map) return;
  NatsDemand& nats = demand.nats;
  Set(nats.monitor_url, map->String("monitorUrl"));
  Set(nats.stream, map->String("stream"));
  Set(nats.consumer, map->String("consumer"));
  Set(nats.account, map->String("account"));
}

void ReadExternal(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map = demand_map.Map("external", {"address", "metadata", "tls"});
  if (!map) return;
  ExternalDemand& external = demand.external;
  Set(external.address, map->String("address"));
  Set(external.metadata, map->StringMap("metadata"));
  if (std::optional<MapReader> tls = map->Map("tls", {"ca", "cert", "key"})) {
    ExternalTls files;
    Set(files.ca, tls->String("ca"));
    Set(files.cert, tls->String("cert"));
    Set(files.key, tls->String("key"));
    external.tls = files;
  }
}

void ReadHttpJson(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("httpJson", {"url", "pointer", "headers", "arrivalsPointer"});
  if (!map) return;
  Set(demand.http_json.url, map->String("url"));
  Set(demand.http_json.pointer, map->String("pointer"));
  demand.http_json.arrivals_pointer = map->String("arrivalsPointer");
  Set(demand.http_json.headers, map->StringMap("headers"));
}

// The source-specific blocks: the chosen source's block is required (static's `value` is
// optional), any other source's block is refused.
void ReadSourceBlocks(MapReader& map, DemandSpec& demand, bool source_known) {
  struct Block {
    DemandSourceKind kind;
    std::string_view key;
    void (*read)(MapReader&, DemandSpec&);
  };
  static constexpr Block kBlocks[] = {
      {DemandSourceKind::kRandom, "random", ReadRandom},
      {DemandSourceKind::kPrometheus, "prometheus", ReadPrometheus},
      {DemandSourceKind::kRedisList, "redisList", ReadRedisList},
      {DemandSourceKind::kHttpJson, "httpJson", ReadHttpJson},
      {DemandSourceKind::kRedisStream, "redisStream", ReadRedisStream},
      {DemandSourceKind::kRabbitMq, "rabbitmq", ReadRabbitMq},
      {DemandSourceKind::kNats, "nats", ReadNats},
      {DemandSourceKind::kExternal, "external", ReadExternal},
  };
  if (!source_known) return;
  std::string source = DemandSourceName(demand.source);
  for (const Block& block : kBlocks) {
    bool chosen = demand.source == block.kind;
    if (!chosen && map.Has(block.key)) {
      map.Fail(block.key, absl::StrCat("is only allowed when spec.demand.source is ",
                                       DemandSourceName(block.kind), " (source is ", source, ")"));
    } else if (chosen && !map.Has(block.key)) {
      map.Fail(block.key, absl::StrCat("is required when spec.demand.source is ", source));
    } else if (chosen) {
      block.read(map, demand);
    }
  }
}

void ReadFallback(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map = demand_map.Map("fallback", {"afterFailures", "replicas"});
  if (!map) return;
  Fallback fallback;
  Set(fallback.after_failures, map->Int32("afterFailures", kAfterFailuresRange));
  if (!map->Has("replicas")) map->Fail("replicas", "is required");
  Set(fallback.replicas, map->Int32("replicas", kReplicaRange));
  demand.fallback = fallback;
}

// A number that is present but malformed is reported here; it still counts as given (as 0),
// so that the rule "exactly one of backlogTarget or targetWaitSeconds" does not add a
// second error about the same field. Nothing is applied after an error, so 0 is never used.
std::optional<double> GivenNumber(MapReader& map, std::string_view key) {
  std::optional<double> value = map.Number(key);
  if (!value && map.Has(key)) return 0.0;
  return value;
}

// `queue`: which of its fields must be set, and with which sources, is checked in
// validate.cc so that specs arriving over gRPC obey the same rules.
void ReadQueue(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map =
      demand_map.Map("queue", {"backlogTarget", "targetWaitSeconds", "perContainerRate"});
  if (!map) return;
  QueueSpec queue;
  queue.backlog_target = GivenNumber(*map, "backlogTarget");
  queue.target_wait_seconds = GivenNumber(*map, "targetWaitSeconds");
  queue.per_container_rate = map->Number("perContainerRate");
  demand.queue = queue;
}

void ReadPredictive(MapReader& demand_map, DemandSpec& demand) {
  std::optional<MapReader> map = demand_map.Map("predictive", {"horizonSeconds"});
  if (!map) return;
  PredictiveSpec predictive;
  if (!map->Has("horizonSeconds")) map->Fail("horizonSeconds", "is required");
  Set(predictive.horizon_seconds, map->Number("horizonSeconds"));
  demand.predictive = predictive;
}

void ReadDemand(MapReader& spec, DemandSpec& demand) {
  std::optional<MapReader> map =
      spec.Map("demand", {"source", "targetPerContainer", "intervalSeconds", "timeoutSeconds",
                          "tolerance", "scaleDownDelaySeconds", "fallback", "queue", "predictive",
                          "value", "random", "prometheus", "redisList", "httpJson", "redisStream",
                          "rabbitmq", "nats", "external"});
  if (!map) return;
  bool source_known = true;
  if (map->Has("source")) {
    std::optional<std::string> name = map->String("source");
    std::optional<DemandSourceKind> kind = name ? DemandSourceFromName(*name) : std::nullopt;
    if (name && !kind) {
      map->Fail("source", absl::StrCat("must be one of ", DemandSourceNameList(), " (got ",
                                       Quote(*name), ")"));
    }
    source_known = kind.has_value();
    if (kind) demand.source = *kind;
  }
  Set(demand.target_per_container, map->Number("targetPerContainer"));
  Set(demand.interval_seconds, map->Number("intervalSeconds"));
  Set(demand.timeout_seconds, map->Number("timeoutSeconds"));
  Set(demand.tolerance, map->Number("tolerance"));
  Set(demand.scale_down_delay_seconds, map->Number("scaleDownDelaySeconds"));
  ReadFallback(*map, demand);
  // With an unknown source, whether queue mode is allowed is unknown too: the source error
  // says it (as for the source blocks).
  if (source_known) ReadQueue(*map, demand);
  ReadPredictive(*map, demand);
  if (std::optional<double> value = map->Number("value")) demand.value = *value;
  ReadSourceBlocks(*map, demand, source_known);
}

void ReadPorts(MapReader& spec, AppSpec& app) {
  std::optional<std::vector<MapReader>> items = spec.MapList("ports", {"name", "containerPort"});
  if (!items) return;
  for (MapReader& item : *items) {
    PortSpec port;
    Set(port.name, item.String("name"));
    if (!item.Has("containerPort")) item.Fail("containerPort", "is required (1-65535)");
    Set(port.container_port, item.Int32("containerPort", kPortRange));
    app.ports.push_back(std::move(port));
  }
}

void ReadHealthCheck(MapReader& spec, AppSpec& app) {
  std::optional<MapReader> map =
      spec.Map("healthCheck",
               {"command", "intervalSeconds", "timeoutSeconds", "retries", "startPeriodSeconds"});
  if (!map) return;
  HealthCheckSpec check;
  Set(check.command, map->StringList("command"));
  Set(check.interval_seconds, map->Number("intervalSeconds"));
  Set(check.timeout_seconds, map->Number("timeoutSeconds"));
  Set(check.retries, map->Int32("retries", kHealthRetriesRange));
  Set(check.start_period_seconds, map->Number("startPeriodSeconds"));
  app.health_check = std::move(check);
}

void ReadSpec(MapReader& spec, AppSpec& app) {
  Set(app.priority, spec.Int32("priority", kPriorityRange));
  Set(app.image, spec.String("image"));
  Set(app.command, spec.StringList("command"));
  Set(app.env, spec.StringMap("env"));
  Set(app.node_selector, spec.StringMap("nodeSelector"));
  SetEnum(spec, "network", app.network, NetworkModeFromName, "bridge, host, none");
  if (std::optional<MapReader> resources = spec.Map("resources", {"cpu", "memory"})) {
    ReadResources(*resources, app.resources);
  }
  ReadReplicas(spec, app.replicas);
  Set(app.preemptible, spec.Bool("preemptible"));
  SetEnum(spec, "preemption", app.preemption, PreemptionModeFromName, "stop, pause");
  Set(app.standby, spec.Int32("standby", kReplicaRange));
  Set(app.stop_timeout_seconds, spec.Int32("stopTimeoutSeconds", kStopTimeoutRange));
  ReadDemand(spec, app.demand);
  ReadPorts(spec, app);
  ReadHealthCheck(spec, app);
}

}  // namespace

AppSpec ReadAppDocument(const YamlNode& document, FieldErrors& errors, bool list_item) {
  AppSpec app;
  if (!document.IsMap()) {
    errors.Add("", "must be a mapping (an App with apiVersion, kind, metadata and spec)");
    return app;
  }
  std::optional<MapReader> top =
      list_item ? MapReader::Open(document, "", errors,
                                  {"apiVersion", "kind", "metadata", "spec", "status"})
                : MapReader::Open(document, "", errors, {"apiVersion", "kind", "metadata", "spec"});
  ReadConstant(*top, "apiVersion", kApiVersion);
  ReadConstant(*top, "kind", kKind);
  if (!top->Has("metadata")) top->Fail("metadata", "is required");
  if (std::optional<MapReader> metadata = top->Map("metadata", {"name", "labels"})) {
    Set(app.name, metadata->String("name"));
    Set(app.labels, metadata->StringMap("labels"));
  }
  if (!top->Has("spec")) top->Fail("spec", "is required");
  if (std::optional<MapReader> spec = top->Map(
          "spec", {"priority", "image", "command", "env", "network", "resources", "replicas",
                   "preemptible", "preemption", "standby", "stopTimeoutSeconds", "demand",
                   "nodeSelector", "ports", "healthCheck"})) {
    ReadSpec(*spec, app);
  }
  return app;
}

bool IsAppList(const YamlNode& document) {
  if (!document.IsMap()) return false;
  const YamlNode kind = document.Find("kind");
  return kind.IsScalar() && kind.Scalar() == kListKind;
}

std::vector<YamlNode> ReadAppList(const YamlNode& document, FieldErrors& errors) {
  std::vector<YamlNode> items;
  std::optional<MapReader> top =
      MapReader::Open(document, "", errors, {"apiVersion", "kind", "metadata", "items"});
  if (!top) return items;
  ReadConstant(*top, "apiVersion", kApiVersion);
  const YamlNode list = document.Find("items");
  if (!list.IsDefined() || list.IsNull()) {
    top->Fail("items", "is required (the Apps of the list)");
  } else if (!list.IsSequence()) {
    top->Fail("items", "must be a list of Apps");
  } else if (list.size() == 0) {
    top->Fail("items", "holds no Apps");
  } else {
    for (size_t i = 0; i < list.size(); ++i) items.push_back(list.Item(i));
  }
  return items;
}

}  // namespace microscale::manifest_internal
