#include "common/manifest/app_proto.h"

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/manifest/field_errors.h"
#include "common/manifest/validate.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace microscale {
namespace {

using manifest_internal::FieldErrors;
using manifest_internal::Quote;

void DemandToProto(const DemandSpec& d, v1::DemandSpec& out) {
  out.set_source(DemandSourceName(d.source));
  out.set_target_per_container(d.target_per_container);
  out.set_interval_seconds(d.interval_seconds);
  out.set_timeout_seconds(d.timeout_seconds);
  out.set_tolerance(d.tolerance);
  out.set_scale_down_delay_seconds(d.scale_down_delay_seconds);
  if (d.fallback) {
    out.mutable_fallback()->set_after_failures(d.fallback->after_failures);
    out.mutable_fallback()->set_replicas(d.fallback->replicas);
  }
  if (d.queue) {
    v1::QueueSpec& queue = *out.mutable_queue();
    if (d.queue->backlog_target) queue.set_backlog_target(*d.queue->backlog_target);
    if (d.queue->target_wait_seconds) {
      queue.set_target_wait_seconds(*d.queue->target_wait_seconds);
    }
    if (d.queue->per_container_rate) queue.set_per_container_rate(*d.queue->per_container_rate);
  }
  if (d.predictive) out.mutable_predictive()->set_horizon_seconds(d.predictive->horizon_seconds);
  if (d.value) out.set_value(*d.value);
  switch (d.source) {
    case DemandSourceKind::kStatic:
      break;
    case DemandSourceKind::kRandom:
      out.mutable_random()->set_min(d.random.min);
      out.mutable_random()->set_max(d.random.max);
      out.mutable_random()->set_change_every_seconds(d.random.change_every_seconds);
      if (d.random.seed) out.mutable_random()->set_seed(*d.random.seed);
      break;
    case DemandSourceKind::kPrometheus:
      out.mutable_prometheus()->set_url(d.prometheus.url);
      out.mutable_prometheus()->set_query(d.prometheus.query);
      break;
    case DemandSourceKind::kRedisList:
      out.mutable_redis_list()->set_address(d.redis_list.address);
      out.mutable_redis_list()->set_key(d.redis_list.key);
      out.mutable_redis_list()->set_password(d.redis_list.password);
      out.mutable_redis_list()->set_database(d.redis_list.database);
      break;
    case DemandSourceKind::kRedisStream:
      out.mutable_redis_stream()->set_address(d.redis_stream.address);
      out.mutable_redis_stream()->set_key(d.redis_stream.key);
      out.mutable_redis_stream()->set_group(d.redis_stream.group);
      out.mutable_redis_stream()->set_password(d.redis_stream.password);
      out.mutable_redis_stream()->set_database(d.redis_stream.database);
      break;
    case DemandSourceKind::kRabbitMq:
      out.mutable_rabbitmq()->set_url(d.rabbitmq.url);
      out.mutable_rabbitmq()->set_vhost(d.rabbitmq.vhost);
      out.mutable_rabbitmq()->set_queue(d.rabbitmq.queue);
      out.mutable_rabbitmq()->set_username(d.rabbitmq.username);
      out.mutable_rabbitmq()->set_password(d.rabbitmq.password);
      break;
    case DemandSourceKind::kNats:
      out.mutable_nats()->set_monitor_url(d.nats.monitor_url);
      out.mutable_nats()->set_stream(d.nats.stream);
      out.mutable_nats()->set_consumer(d.nats.consumer);
      out.mutable_nats()->set_account(d.nats.account);
      break;
    case DemandSourceKind::kExternal:
      out.mutable_external()->set_address(d.external.address);
      out.mutable_external()->mutable_metadata()->insert(d.external.metadata.begin(),
                                                         d.external.metadata.end());
      if (d.external.tls) {
        out.mutable_external()->mutable_tls()->set_ca(d.external.tls->ca);
        out.mutable_external()->mutable_tls()->set_cert(d.external.tls->cert);
        out.mutable_external()->mutable_tls()->set_key(d.external.tls->key);
      }
      break;
    case DemandSourceKind::kHttpJson:
      out.mutable_http_json()->set_url(d.http_json.url);
      out.mutable_http_json()->set_pointer(d.http_json.pointer);
      if (d.http_json.arrivals_pointer) {
        out.mutable_http_json()->set_arrivals_pointer(*d.http_json.arrivals_pointer);
      }
      out.mutable_http_json()->mutable_headers()->insert(d.http_json.headers.begin(),
                                                         d.http_json.headers.end());
      break;
  }
}

// Reads an enum name; an empty name keeps `field`'s default.
template <typename Enum>
void EnumFromProto(const std::string& name, const char* path, std::string_view names,
                   std::optional<Enum> (*from_name)(std::string_view), Enum& field,
                   FieldErrors& errors) {
  if (name.empty()) return;
  if (std::optional<Enum> value = from_name(name)) {
    field = *value;
  } else {
    errors.Add(path, absl::StrCat("must be one of ", ToAbsl(names), " (got ", Quote(name), ")"));
  }
}

double OrDefault(double value, double fallback) { return value == 0 ? fallback : value; }

std::optional<double> OptionalFromProto(bool has, double value) {
  return has ? std::optional<double>(value) : std::nullopt;
}

QueueSpec QueueFromProto(const v1::QueueSpec& p) {
  return QueueSpec{OptionalFromProto(p.has_backlog_target(), p.backlog_target()),
                   OptionalFromProto(p.has_target_wait_seconds(), p.target_wait_seconds()),
                   OptionalFromProto(p.has_per_container_rate(), p.per_container_rate())};
}

void DemandBlocksFromProto(const v1::DemandSpec& p, DemandSpec& d) {
  if (p.has_value()) d.value = p.value();
  if (p.has_queue()) d.queue = QueueFromProto(p.queue());
  if (p.has_fallback())
    d.fallback = Fallback{p.fallback().after_failures(), p.fallback().replicas()};
  if (p.has_random()) {
    d.random.min = p.random().min();
    d.random.max = p.random().max();
    d.random.change_every_seconds = p.random().change_every_seconds();
    if (p.random().has_seed()) d.random.seed = p.random().seed();
  }
  if (p.has_prometheus()) d.prometheus = {p.prometheus().url(), p.prometheus().query()};
  if (p.has_redis_list()) {
    d.redis_list = {p.redis_list().address(), p.redis_list().key(), p.redis_list().password(),
                    p.redis_list().database()};
  }
  if (p.has_redis_stream()) {
    const v1::RedisStreamDemand& s = p.redis_stream();
    d.redis_stream = {s.address(), s.key(), s.group(), s.password(), s.database()};
  }
  if (p.has_rabbitmq()) {
    const v1::RabbitMqDemand& r = p.rabbitmq();
    d.rabbitmq = {r.url(), r.vhost(), r.queue(), r.username(), r.password()};
  }
  if (p.has_nats()) {
    const v1::NatsDemand& n = p.nats();
    d.nats = {n.monitor_url(), n.stream(), n.consumer(), n.account()};
  }
  if (p.has_external()) {
    d.external.address = p.external().address();
    d.external.metadata.insert(p.external().metadata().begin(), p.external().metadata().end());
    if (p.external().has_tls()) {
      const v1::ExternalTls& tls = p.external().tls();
      d.external.tls = ExternalTls{tls.ca(), tls.cert(), tls.key()};
    }
  }
  if (p.has_http_json()) {
    d.http_json.url = p.http_json().url();
    d.http_json.pointer = p.http_json().pointer();
    if (p.http_json().has_arrivals_pointer()) {
      d.http_json.arrivals_pointer = p.http_json().arrivals_pointer();
    }
    d.http_json.headers.insert(p.http_json().headers().begin(), p.http_json().headers().end());
  }
}

void DemandFromProto(const v1::DemandSpec& p, DemandSpec& d, FieldErrors& errors) {
  bool source_known = p.source().empty() || DemandSourceFromName(p.source()).has_value();
  EnumFromProto(p.source(), "spec.demand.source", DemandSourceNameList(), DemandSourceFromName,
                d.source, errors);
  d.target_per_container = OrDefault(p.target_per_container(), d.target_per_container);
  d.interval_seconds = OrDefault(p.interval_seconds(), d.interval_seconds);
  d.timeout_seconds = OrDefault(p.timeout_seconds(), d.timeout_seconds);
  d.tolerance = p.tolerance();
  d.scale_down_delay_seconds = p.scale_down_delay_seconds();
  if (p.has_predictive()) d.predictive = PredictiveSpec{p.predictive().horizon_seconds()};
  // With an unknown source, which block belongs is unknown too: the source error says it.
  if (source_known) DemandBlocksFromProto(p, d);
}

}  // namespace

void HealthCheckToProto(const HealthCheckSpec& check, v1::HealthCheck& out) {
  for (const std::string& arg : check.command) out.add_command(arg);
  out.set_interval_seconds(check.interval_seconds);
  out.set_timeout_seconds(check.timeout_seconds);
  out.set_retries(check.retries);
  out.set_start_period_seconds(check.start_period_seconds);
}

v1::AppSpec AppToProto(const AppSpec& app) {
  v1::AppSpec out;
  out.set_name(app.name);
  out.mutable_labels()->insert(app.labels.begin(), app.labels.end());
  out.set_priority(app.priority);
  out.set_image(app.image);
  for (const std::string& arg : app.command) out.add_command(arg);
  out.mutable_env()->insert(app.env.begin(), app.env.end());
  out.set_network(NetworkModeName(app.network));
  out.mutable_resources()->set_cpu_millis(app.resources.cpu_millis);
  out.mutable_resources()->set_memory_bytes(app.resources.memory_bytes);
  out.mutable_replicas()->set_min(app.replicas.min);
  out.mutable_replicas()->set_max(app.replicas.max);
  out.set_preemptible(app.preemptible);
  out.set_preemption(PreemptionModeName(app.preemption));
  out.set_standby(app.standby);
  out.set_stop_timeout_seconds(app.stop_timeout_seconds);
  DemandToProto(app.demand, *out.mutable_demand());
  out.mutable_node_selector()->insert(app.node_selector.begin(), app.node_selector.end());
  if (app.health_check) HealthCheckToProto(*app.health_check, *out.mutable_health_check());
  for (const PortSpec& port : app.ports) {
    v1::PortSpec& p = *out.add_ports();
    p.set_name(port.name);
    p.set_container_port(port.container_port);
  }
  return out;
}

absl::StatusOr<AppSpec> AppFromProto(const v1::AppSpec& p) {
  FieldErrors errors;
  AppSpec app;
  app.name = p.name();
  app.labels.insert(p.labels().begin(), p.labels().end());
  if (p.priority() != 0) app.priority = p.priority();
  app.image = p.image();
  app.command.assign(p.command().begin(), p.command().end());
  app.env.insert(p.env().begin(), p.env().end());
  EnumFromProto(p.network(), "spec.network", "bridge, host, none", NetworkModeFromName, app.network,
                errors);
  if (p.resources().cpu_millis() != 0) app.resources.cpu_millis = p.resources().cpu_millis();
  if (p.resources().memory_bytes() != 0) {
    app.resources.memory_bytes = p.resources().memory_bytes();
  }
  app.replicas = {p.replicas().min(), p.replicas().max()};
  app.preemptible = p.preemptible();
  EnumFromProto(p.preemption(), "spec.preemption", "stop, pause", PreemptionModeFromName,
                app.preemption, errors);
  app.standby = p.standby();
  app.stop_timeout_seconds = p.stop_timeout_seconds();
  DemandFromProto(p.demand(), app.demand, errors);
  app.node_selector.insert(p.node_selector().begin(), p.node_selector().end());
  for (const v1::PortSpec& port : p.ports())
    app.ports.push_back({port.name(), port.container_port()});
  if (p.has_health_check()) {
    const v1::HealthCheck& h = p.health_check();
    app.health_check = HealthCheckSpec{{h.command().begin(), h.command().end()},
                                       h.interval_seconds(),
                                       h.timeout_seconds(),
                                       h.retries(),
                                       h.start_period_seconds()};
  }
  RETURN_IF_ERROR(manifest_internal::AppErrorsToStatus(app, std::move(errors)));
  return app;
}

}  // namespace microscale
