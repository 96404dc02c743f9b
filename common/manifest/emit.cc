#include "common/manifest/emit.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_format.h"
#include "common/manifest/yaml_scalar.h"
#include "common/quantity.h"

namespace microscale {
namespace {

using nlohmann::json;

// Only the fields that are set, so that the printed manifest applies back unchanged.
json QueueToJson(const QueueSpec& q) {
  json out = json::object();
  if (q.backlog_target) out["backlogTarget"] = *q.backlog_target;
  if (q.target_wait_seconds) out["targetWaitSeconds"] = *q.target_wait_seconds;
  if (q.per_container_rate) out["perContainerRate"] = *q.per_container_rate;
  return out;
}

json DemandToJson(const DemandSpec& d) {
  json out = {{"source", DemandSourceName(d.source)},
              {"targetPerContainer", d.target_per_container},
              {"intervalSeconds", d.interval_seconds},
              {"timeoutSeconds", d.timeout_seconds},
              {"tolerance", d.tolerance},
              {"scaleDownDelaySeconds", d.scale_down_delay_seconds}};
  if (d.fallback) {
    out["fallback"] = {{"afterFailures", d.fallback->after_failures},
                       {"replicas", d.fallback->replicas}};
  }
  if (d.queue) out["queue"] = QueueToJson(*d.queue);
  if (d.predictive) out["predictive"] = {{"horizonSeconds", d.predictive->horizon_seconds}};
  if (d.value) out["value"] = *d.value;
  switch (d.source) {
    case DemandSourceKind::kStatic:
      break;
    case DemandSourceKind::kRandom:
      out["random"] = {{"min", d.random.min},
                       {"max", d.random.max},
                       {"changeEverySeconds", d.random.change_every_seconds}};
      if (d.random.seed) out["random"]["seed"] = *d.random.seed;
      break;
    case DemandSourceKind::kPrometheus:
      out["prometheus"] = {{"url", d.prometheus.url}, {"query", d.prometheus.query}};
      break;
    case DemandSourceKind::kRedisList:
      out["redisList"] = {{"address", d.redis_list.address},
                          {"key", d.redis_list.key},
                          {"database", d.redis_list.database}};
      if (!d.redis_list.password.empty()) out["redisList"]["password"] = d.redis_list.password;
      break;
    case DemandSourceKind::kRabbitMq:
      out["rabbitmq"] = {{"url", d.rabbitmq.url},
                         {"vhost", d.rabbitmq.vhost},
                         {"queue", d.rabbitmq.queue},
                         {"username", d.rabbitmq.username},
                         {"password", d.rabbitmq.password}};
      break;
    case DemandSourceKind::kNats:
      out["nats"] = {{"monitorUrl", d.nats.monitor_url},
                     {"stream", d.nats.stream},
                     {"consumer", d.nats.consumer}};
      if (!d.nats.account.empty()) out["nats"]["account"] = d.nats.account;
      break;
    case DemandSourceKind::kExternal:
      out["external"] = {{"address", d.external.address}};
      if (!d.external.metadata.empty()) out["external"]["metadata"] = d.external.metadata;
      if (d.external.tls) {
        out["external"]["tls"] = {{"ca", d.external.tls->ca}};
        if (!d.external.tls->cert.empty()) out["external"]["tls"]["cert"] = d.external.tls->cert;
        if (!d.external.tls->key.empty()) out["external"]["tls"]["key"] = d.external.tls->key;
      }
      break;
    case DemandSourceKind::kRedisStream:
      out["redisStream"] = {{"address", d.redis_stream.address},
                            {"key", d.redis_stream.key},
                            {"group", d.redis_stream.group},
                            {"database", d.redis_stream.database}};
      if (!d.redis_stream.password.empty()) {
        out["redisStream"]["password"] = d.redis_stream.password;
      }
      break;
    case DemandSourceKind::kHttpJson:
      out["httpJson"] = {{"url", d.http_json.url}, {"pointer", d.http_json.pointer}};
      if (!d.http_json.headers.empty()) out["httpJson"]["headers"] = d.http_json.headers;
      if (d.http_json.arrivals_pointer) {
        out["httpJson"]["arrivalsPointer"] = *d.http_json.arrivals_pointer;
      }
      break;
  }
  return out;
}

json SpecToJson(const AppSpec& app) {
  json spec = {
      {"priority", app.priority},
      {"image", app.image},
      {"network", NetworkModeName(app.network)},
      {"resources",
       {{"cpu", FormatCpuMillis(app.resources.cpu_millis)},
        {"memory", FormatMemoryBytes(app.resources.memory_bytes)}}},
      {"replicas", {{"min", app.replicas.min}, {"max", app.replicas.max}}},
      {"preemptible", app.preemptible},
      {"preemption", PreemptionModeName(app.preemption)},
      {"standby", app.standby},
      {"stopTimeoutSeconds", app.stop_timeout_seconds},
      {"demand", DemandToJson(app.demand)},
  };
  if (!app.command.empty()) spec["command"] = app.command;
  if (!app.env.empty()) spec["env"] = app.env;
  if (!app.node_selector.empty()) spec["nodeSelector"] = app.node_selector;
  if (app.health_check) {
    const HealthCheckSpec& h = *app.health_check;
    spec["healthCheck"] = {{"command", h.command},
                           {"intervalSeconds", h.interval_seconds},
                           {"timeoutSeconds", h.timeout_seconds},
                           {"retries", h.retries},
                           {"startPeriodSeconds", h.start_period_seconds}};
  }
  if (!app.ports.empty()) {
    json ports = json::array();
    for (const PortSpec& port : app.ports) {
      json item = {{"containerPort", port.container_port}};
      if (!port.name.empty()) item["name"] = port.name;
      ports.push_back(std::move(item));
    }
    spec["ports"] = std::move(ports);
  }
  return spec;
}

void AppendCodePoint(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at s[i], advancing i; invalid bytes decode as U+FFFD.
uint32_t NextCodePoint(const std::string& s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  size_t len = b0 < 0x80             ? 1
               : (b0 & 0xE0) == 0xC0 ? 2
               : (b0 & 0xF0) == 0xE0 ? 3
               : (b0 & 0xF8) == 0xF0 ? 4
                                     : 0;
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1Fu) : len == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
  bool ok = len > 0 && i + len <= s.size();
  for (size_t k = 1; ok && k < len; ++k) {
    ok = (byte(i + k) & 0xC0) == 0x80;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
  i += ok ? len : 1;
  return ok ? cp : 0xFFFD;
}

// A YAML double-quoted scalar; non-printable characters escaped.
std::string DoubleQuoted(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = NextCodePoint(s, i);
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
               cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
      out += absl::StrFormat("\\u%04X", cp);
    } else {
      AppendCodePoint(cp, out);
    }
  }
  out += '"';
  return out;
}

std::string ScalarText(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::number_float: {
      double d = value.get<double>();
      if (std::isnan(d)) return ".nan";
      if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
      return value.dump();
    }
    case json::value_t::string: {
      const std::string& s = value.get_ref<const std::string&>();
      return manifest_internal::NeedsQuotes(s) ? DoubleQuoted(s) : s;
    }
    case json::value_t::object:
      return "{}";
    case json::value_t::array:
      return "[]";
    default:
      return value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string KeyText(const std::string& key) {
  return manifest_internal::NeedsQuotes(key) ? DoubleQuoted(key) : key;
}

bool IsBlockCollection(const json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void WriteMapping(const json& object, size_t indent, bool first_inline, std::string& out);
void WriteSequence(const json& array, size_t indent, bool first_inline, std::string& out);

// Writes the value of a mapping entry whose "key:" is already written.
void WriteEntryValue(const json& value, size_t indent, std::string& out) {
  if (!IsBlockCollection(value)) {
    out += ' ';
    out += ScalarText(value);
    out += '\n';
  } else if (value.is_object()) {
    out += '\n';
    WriteMapping(value, indent + 2, false, out);
  } else {
    out += '\n';
    WriteSequence(value, indent + 2, false, out);
  }
}

void WriteMapping(const json& object, size_t indent, bool first_inline, std::string& out) {
  bool first = true;
  for (const auto& [key, value] : object.items()) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += KeyText(key);
    out += ':';
    WriteEntryValue(value, indent, out);
  }
}

void WriteSequence(const json& array, size_t indent, bool first_inline, std::string& out) {
  bool first = true;
  for (const json& item : array) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += "- ";
    if (item.is_object() && !item.empty()) {
      WriteMapping(item, indent + 2, true, out);
    } else if (item.is_array() && !item.empty()) {
      WriteSequence(item, indent + 2, true, out);
    } else {
      out += ScalarText(item);
      out += '\n';
    }
  }
}

}  // namespace

nlohmann::json AppToJson(const AppSpec& app) {
  json metadata = {{"name", app.name}};
  if (!app.labels.empty()) metadata["labels"] = app.labels;
  return json{{"apiVersion", "microscale.io/v1"},
              {"kind", "App"},
              {"metadata", metadata},
              {"spec", SpecToJson(app)}};
}

std::string JsonToYaml(const nlohmann::json& value) {
  std::string out;
  if (value.is_object() && !value.empty()) {
    WriteMapping(value, 0, false, out);
  } else if (value.is_array() && !value.empty()) {
    WriteSequence(value, 0, false, out);
  } else {
    out = ScalarText(value) + "\n";
  }
  return out;
}

}  // namespace microscale
