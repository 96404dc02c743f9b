#include "common/manifest/validate.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/manifest/formats.h"
#include "common/manifest/manifest.h"
#include "common/strings.h"

namespace microscale::manifest_internal {
namespace {

// Collects the errors of one spec; each check names its path relative to the document.
class SpecChecker {
 public:
  explicit SpecChecker(FieldErrors& errors) : errors_(errors) {}

  void Fail(std::string path, std::string reason) {
    errors_.AddUnlessCovered(FieldError{std::move(path), std::move(reason)});
  }
  void Check(const std::string& path, const Problem& problem) {
    if (problem) Fail(path, *problem);
  }
  void Int(const std::string& path, int64_t value, IntRange range) {
    Check(path, IntRangeProblem(value, range));
  }
  // lo < value <= hi (exclusive_lo) or lo <= value <= hi.
  void Number(const std::string& path, double value, double lo, bool exclusive_lo, double hi) {
    if (!std::isfinite(value)) {
      Fail(path, "must be a finite number");
    } else if (exclusive_lo ? value <= lo : value < lo) {
      Fail(path, absl::StrCat("must be ", exclusive_lo ? "> " : ">= ", lo, " (got ", value, ")"));
    } else if (value > hi) {
      Fail(path, absl::StrCat("must be <= ", hi, " (got ", value, ")"));
    }
  }
  // At most `limit` of `what` (entries, arguments, bytes).
  void AtMost(const std::string& path, size_t count, size_t limit, const char* what) {
    if (count > limit)
      Fail(path, absl::StrCat("must have at most ", limit, " ", what, " (got ", count, ")"));
  }
  void Required(const std::string& path, std::string_view value) {
    if (value.empty()) Fail(path, "is required");
  }
  // Required, then well formed.
  void Text(const std::string& path, std::string_view value, Problem (*problem)(std::string_view)) {
    if (value.empty()) {
      Fail(path, "is required");
    } else {
      Check(path, problem(value));
    }
  }

 private:
  FieldErrors& errors_;
};

constexpr double kNoLimit = 1e300;

void CheckLabels(const std::string& field, const std::map<std::string, std::string>& labels,
                 SpecChecker& c) {
  c.AtMost(field, labels.size(), kMaxLabels, "labels");
  for (const auto& [key, value] : labels) {
    std::string path = ChildPath(field, key);
    c.Check(path, LabelKeyProblem(key));
    c.Check(path, LabelValueProblem(value));
  }
}

void CheckMetadata(const AppSpec& spec, SpecChecker& c) {
  c.Text("metadata.name", spec.name, DnsLabelProblem);
  CheckLabels("metadata.labels", spec.labels, c);
}

void CheckContainer(const AppSpec& spec, SpecChecker& c) {
  c.Int("spec.priority", spec.priority, kPriorityRange);
  c.Text("spec.image", spec.image, ImageReferenceProblem);
  c.AtMost("spec.command", spec.command.size(), kMaxCommandArgs, "arguments");
  size_t command_bytes = 0;
  for (size_t i = 0; i < spec.command.size(); ++i) {
    c.Check(IndexPath("spec.command", i), NulProblem(spec.command[i]));
    command_bytes += spec.command[i].size();
  }
  c.AtMost("spec.command", command_bytes, kMaxCommandBytes, "bytes in all its arguments");
  c.AtMost("spec.env", spec.env.size(), kMaxEnvVars, "variables");
  for (const auto& [name, value] : spec.env) {
    std::string path = ChildPath("spec.env", name);
    c.AtMost(path, name.size(), kMaxEnvNameBytes, "bytes in its name");
    c.Check(path, EnvNameProblem(name));
    c.AtMost(path, value.size(), kMaxEnvValueBytes, "bytes in its value");
    c.Check(path, NulProblem(value));
  }
  if (spec.resources.cpu_millis <= 0) {
    c.Fail("spec.resources.cpu",
           absl::StrCat("must be > 0 (got ", spec.resources.cpu_millis, "m)"));
  }
  if (spec.resources.memory_bytes <= 0) {
    c.Fail("spec.resources.memory",
           absl::StrCat("must be > 0 (got ", spec.resources.memory_bytes, " bytes)"));
  }
}

void CheckScaling(const AppSpec& spec, SpecChecker& c) {
  c.Int("spec.replicas.min", spec.replicas.min, kReplicaRange);
  c.Int("spec.replicas.max", spec.replicas.max, kReplicaRange);
  if (spec.replicas.max < spec.replicas.min) {
    c.Fail("spec.replicas.max",
           absl::StrCat("must be >= spec.replicas.min (", spec.replicas.min, ")"));
  }
  c.Int("spec.standby", spec.standby, kReplicaRange);
  c.Int("spec.stopTimeoutSeconds", spec.stop_timeout_seconds, kStopTimeoutRange);
  CheckLabels("spec.nodeSelector", spec.node_selector, c);
}

void CheckHealthCheck(const AppSpec& spec, SpecChecker& c) {
  if (!spec.health_check) return;
  const HealthCheckSpec& h = *spec.health_check;
  if (h.command.empty() || h.command.front().empty()) {
    c.Fail("spec.healthCheck.command",
           "is required: the command the engine runs in the container, exit 0 meaning "
           "healthy, e.g. [\"/bin/sh\", \"-c\", \"test -f /tmp/ready\"]");
  }
  c.AtMost("spec.healthCheck.command", h.command.size(), kMaxCommandArgs, "arguments");
  for (size_t i = 0; i < h.command.size(); ++i) {
    c.Check(IndexPath("spec.healthCheck.command", i), NulProblem(h.command[i]));
  }
  // The engine takes durations of at least 1 ms.
  c.Number("spec.healthCheck.intervalSeconds", h.interval_seconds, 0.001, false,
           kMaxIntervalSeconds);
  c.Number("spec.healthCheck.timeoutSeconds", h.timeout_seconds, 0.001, false, kMaxTimeoutSeconds);
  c.Int("spec.healthCheck.retries", h.retries, kHealthRetriesRange);
  c.Number("spec.healthCheck.startPeriodSeconds", h.start_period_seconds, 0, false,
           kMaxDelaySeconds);
}

// Names and numbers unique; none with network none, which has nothing to publish on.
void CheckPorts(const AppSpec& spec, SpecChecker& c) {
  c.AtMost("spec.ports", spec.ports.size(), kMaxPorts, "ports");
  if (!spec.ports.empty() && spec.network == NetworkMode::kNone) {
    c.Fail("spec.ports",
           "must be empty with spec.network none (a container without a "
           "network has no port to publish); use bridge or host");
  }
  for (size_t i = 0; i < spec.ports.size(); ++i) {
    const PortSpec& port = spec.ports[i];
    const std::string path = IndexPath("spec.ports", i);
    c.Int(path + ".containerPort", port.container_port, kPortRange);
    if (!port.name.empty()) c.Check(path + ".name", PortNameProblem(port.name));
    for (size_t j = 0; j < i; ++j) {
      if (spec.ports[j].container_port == port.container_port) {
        c.Fail(path + ".containerPort",
               absl::StrCat("duplicates spec.ports[", j, "] (", port.container_port, ")"));
      }
      if (!port.name.empty() && spec.ports[j].name == port.name) {
        c.Fail(path + ".name",
               absl::StrCat("duplicates spec.ports[", j, "] (", Quote(port.name), ")"));
      }
    }
  }
}

const char* BlockName(DemandSourceKind kind) {
  switch (kind) {
    case DemandSourceKind::kStatic:
      return "value";
    case DemandSourceKind::kRandom:
      return "random";
    case DemandSourceKind::kPrometheus:
      return "prometheus";
    case DemandSourceKind::kRedisList:
      return "redisList";
    case DemandSourceKind::kHttpJson:
      return "httpJson";
    case DemandSourceKind::kRedisStream:
      return "redisStream";
    case DemandSourceKind::kRabbitMq:
      return "rabbitmq";
    case DemandSourceKind::kNats:
      return "nats";
    case DemandSourceKind::kExternal:
      return "external";
  }
  return "value";
}

// Whether the block of `kind` holds anything but its defaults.
bool BlockIsSet(const DemandSpec& d, DemandSourceKind kind) {
  switch (kind) {
    case DemandSourceKind::kStatic:
      return d.value.has_value();
    case DemandSourceKind::kRandom:
      return !(d.random == RandomDemand{});
    case DemandSourceKind::kPrometheus:
      return !(d.prometheus == PrometheusDemand{});
    case DemandSourceKind::kRedisList:
      return !(d.redis_list == RedisListDemand{});
    case DemandSourceKind::kHttpJson:
      return !(d.http_json == HttpJsonDemand{});
    case DemandSourceKind::kRedisStream:
      return !(d.redis_stream == RedisStreamDemand{});
    case DemandSourceKind::kRabbitMq:
      return !(d.rabbitmq == RabbitMqDemand{});
    case DemandSourceKind::kNats:
      return !(d.nats == NatsDemand{});
    case DemandSourceKind::kExternal:
      return !(d.external == ExternalDemand{});
  }
  return false;
}

void CheckExternal(const ExternalDemand& e, SpecChecker& c) {
  c.Text("spec.demand.external.address", e.address, HostPortProblem);
  for (const auto& [key, value] : e.metadata) {
    std::string path = ChildPath("spec.demand.external.metadata", key);
    if (key.empty()) c.Fail(path, "a metadata key must not be empty");
    c.Check(path, NulProblem(key));
    c.Check(path, NulProblem(value));
  }
  if (!e.tls) return;
  c.Required("spec.demand.external.tls.ca", e.tls->ca);
  if (e.tls->cert.empty() != e.tls->key.empty()) {
    c.Fail(e.tls->cert.empty() ? "spec.demand.external.tls.cert" : "spec.demand.external.tls.key",
           "cert and key go together: set both or neither");
  }
}

void CheckSourceBlock(const DemandSpec& d, SpecChecker& c) {
  switch (d.source) {
    case DemandSourceKind::kStatic:
      if (d.value) c.Number("spec.demand.value", *d.value, 0, false, kNoLimit);
      break;
    case DemandSourceKind::kRandom:
      c.Number("spec.demand.random.min", d.random.min, 0, false, kNoLimit);
      c.Number("spec.demand.random.max", d.random.max, 0, false, kNoLimit);
      if (d.random.max < d.random.min) {
        c.Fail("spec.demand.random.max",
               absl::StrCat("must be >= spec.demand.random.min (", d.random.min, ")"));
      }
      c.Number("spec.demand.random.changeEverySeconds", d.random.change_every_seconds, 0, true,
               kMaxDelaySeconds);
      break;
    case DemandSourceKind::kPrometheus:
      c.Text("spec.demand.prometheus.url", d.prometheus.url, HttpUrlProblem);
      c.Required("spec.demand.prometheus.query", d.prometheus.query);
      break;
    case DemandSourceKind::kRedisList:
      c.Text("spec.demand.redisList.address", d.redis_list.address, HostPortProblem);
      c.Required("spec.demand.redisList.key", d.redis_list.key);
      c.Check("spec.demand.redisList.password", NulProblem(d.redis_list.password));
      c.Int("spec.demand.redisList.database", d.redis_list.database, kRedisDatabaseRange);
      break;
    case DemandSourceKind::kRedisStream:
      c.Text("spec.demand.redisStream.address", d.redis_stream.address, HostPortProblem);
      c.Required("spec.demand.redisStream.key", d.redis_stream.key);
      c.Required("spec.demand.redisStream.group", d.redis_stream.group);
      c.Check("spec.demand.redisStream.password", NulProblem(d.redis_stream.password));
      c.Int("spec.demand.redisStream.database", d.redis_stream.database, kRedisDatabaseRange);
      break;
    case DemandSourceKind::kRabbitMq:
      c.Text("spec.demand.rabbitmq.url", d.rabbitmq.url, HttpUrlProblem);
      c.Required("spec.demand.rabbitmq.vhost", d.rabbitmq.vhost);
      c.Required("spec.demand.rabbitmq.queue", d.rabbitmq.queue);
      c.Required("spec.demand.rabbitmq.username", d.rabbitmq.username);
      c.Check("spec.demand.rabbitmq.password", NulProblem(d.rabbitmq.password));
      break;
    case DemandSourceKind::kNats:
      c.Text("spec.demand.nats.monitorUrl", d.nats.monitor_url, HttpUrlProblem);
      c.Required("spec.demand.nats.stream", d.nats.stream);
      c.Required("spec.demand.nats.consumer", d.nats.consumer);
      c.Check("spec.demand.nats.account", NulProblem(d.nats.account));
      break;
    case DemandSourceKind::kExternal:
      CheckExternal(d.external, c);
      break;
    case DemandSourceKind::kHttpJson:
      c.Text("spec.demand.httpJson.url", d.http_json.url, HttpUrlProblem);
      c.Check("spec.demand.httpJson.pointer", JsonPointerProblem(d.http_json.pointer));
      if (d.http_json.arrivals_pointer) {
        c.Check("spec.demand.httpJson.arrivalsPointer",
                JsonPointerProblem(*d.http_json.arrivals_pointer));
        if (!d.queue) {
          c.Fail("spec.demand.httpJson.arrivalsPointer",
                 "only queue mode reads an arrivals counter: set spec.demand.queue, or remove it");
        }
      }
      for (const auto& [name, value] : d.http_json.headers) {
        std::string path = ChildPath("spec.demand.httpJson.headers", name);
        c.Check(path, HeaderNameProblem(name));
        c.Check(path, HeaderValueProblem(value));
      }
      break;
  }
}

// Queue mode needs a source that reads a backlog; exactly one target; a positive rate.
void CheckQueue(const DemandSpec& d, SpecChecker& c) {
  if (!d.queue) return;
  const QueueSpec& q = *d.queue;
  if (d.source == DemandSourceKind::kStatic || d.source == DemandSourceKind::kRandom) {
    c.Fail("spec.demand.queue", absl::StrCat("queue mode needs a backlog source (redis-list, "
                                             "redis-stream, rabbitmq, nats, http-json, "
                                             "prometheus, external); source is ",
                                             DemandSourceName(d.source)));
    return;
  }
  if (q.backlog_target.has_value() == q.target_wait_seconds.has_value()) {
    c.Fail("spec.demand.queue",
           absl::StrCat("set exactly one of backlogTarget or targetWaitSeconds (",
                        q.backlog_target ? "both are set" : "neither is set", ")"));
  }
  if (q.backlog_target) {
    c.Number("spec.demand.queue.backlogTarget", *q.backlog_target, 0, false, kNoLimit);
  }
  if (q.target_wait_seconds) {
    c.Number("spec.demand.queue.targetWaitSeconds", *q.target_wait_seconds, 0, true, kNoLimit);
  }
  if (q.per_container_rate) {
    c.Number("spec.demand.queue.perContainerRate", *q.per_container_rate, 0, true, kNoLimit);
  }
}

void CheckDemand(const DemandSpec& d, SpecChecker& c) {
  c.Number("spec.demand.targetPerContainer", d.target_per_container, 0, true, kNoLimit);
  c.Number("spec.demand.intervalSeconds", d.interval_seconds, 0, true, kMaxIntervalSeconds);
  c.Number("spec.demand.timeoutSeconds", d.timeout_seconds, 0, true, kMaxTimeoutSeconds);
  c.Number("spec.demand.tolerance", d.tolerance, 0, false, 1);
  c.Number("spec.demand.scaleDownDelaySeconds", d.scale_down_delay_seconds, 0, false,
           kMaxDelaySeconds);
  if (d.fallback) {
    c.Int("spec.demand.fallback.afterFailures", d.fallback->after_failures, kAfterFailuresRange);
    c.Int("spec.demand.fallback.replicas", d.fallback->replicas, kReplicaRange);
  }
  CheckQueue(d, c);
  if (d.predictive) {
    c.Number("spec.demand.predictive.horizonSeconds", d.predictive->horizon_seconds, 0, true,
             kMaxHorizonSeconds);
  }
  for (DemandSourceKind kind : kDemandSourceKinds) {
    if (kind != d.source && BlockIsSet(d, kind)) {
      c.Fail(absl::StrCat("spec.demand.", BlockName(kind)),
             absl::StrCat("is only allowed when spec.demand.source is ", DemandSourceName(kind),
                          " (source is ", DemandSourceName(d.source), ")"));
    }
  }
  CheckSourceBlock(d, c);
}

}  // namespace

std::optional<std::string> IntRangeProblem(int64_t value, IntRange range) {
  if (value >= range.lo && value <= range.hi) return std::nullopt;
  return absl::StrCat("must be between ", range.lo, " and ", range.hi, " (got ", value, ")");
}

void ValidateSpec(const AppSpec& spec, FieldErrors& errors) {
  SpecChecker c(errors);
  CheckMetadata(spec, c);
  CheckContainer(spec, c);
  CheckScaling(spec, c);
  CheckPorts(spec, c);
  CheckHealthCheck(spec, c);
  CheckDemand(spec.demand, c);
}

absl::Status ErrorLinesToStatus(const std::vector<std::string>& lines) {
  if (lines.empty()) return absl::OkStatus();
  size_t shown = std::min(lines.size(), kMaxReportedErrors);
  std::string message =
      absl::StrJoin(lines.begin(), lines.begin() + static_cast<ptrdiff_t>(shown), "\n");
  if (shown < lines.size()) {
    absl::StrAppend(&message, "\n... and ", lines.size() - shown, " more errors");
  }
  return absl::InvalidArgumentError(message);
}

absl::Status AppErrorsToStatus(const AppSpec& spec, FieldErrors errors) {
  ValidateSpec(spec, errors);
  std::string prefix =
      DnsLabelProblem(spec.name) ? std::string("app: ") : absl::StrCat("app ", spec.name, ": ");
  std::vector<std::string> lines;
  for (const FieldError& error : errors.list()) {
    lines.push_back(absl::StrCat(prefix, FormatFieldError(error)));
  }
  return ErrorLinesToStatus(lines);
}

}  // namespace microscale::manifest_internal
