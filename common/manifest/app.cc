#include "common/manifest/app.h"

namespace microscale {

const char* NetworkModeName(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::kBridge:
      return "bridge";
    case NetworkMode::kHost:
      return "host";
    case NetworkMode::kNone:
      return "none";
  }
  return "bridge";
}

const char* PreemptionModeName(PreemptionMode mode) {
  switch (mode) {
    case PreemptionMode::kStop:
      return "stop";
    case PreemptionMode::kPause:
      return "pause";
  }
  return "stop";
}

const char* DemandSourceName(DemandSourceKind kind) {
  switch (kind) {
    case DemandSourceKind::kStatic:
      return "static";
    case DemandSourceKind::kRandom:
      return "random";
    case DemandSourceKind::kPrometheus:
      return "prometheus";
    case DemandSourceKind::kRedisList:
      return "redis-list";
    case DemandSourceKind::kHttpJson:
      return "http-json";
    case DemandSourceKind::kRedisStream:
      return "redis-stream";
    case DemandSourceKind::kRabbitMq:
      return "rabbitmq";
    case DemandSourceKind::kNats:
      return "nats";
    case DemandSourceKind::kExternal:
      return "external";
  }
  return "static";
}

std::string DemandSourceNameList() {
  std::string out;
  for (DemandSourceKind kind : kDemandSourceKinds) {
    if (!out.empty()) out += ", ";
    out += DemandSourceName(kind);
  }
  return out;
}

std::optional<NetworkMode> NetworkModeFromName(std::string_view name) {
  for (NetworkMode mode : {NetworkMode::kBridge, NetworkMode::kHost, NetworkMode::kNone}) {
    if (name == NetworkModeName(mode)) return mode;
  }
  return std::nullopt;
}

std::optional<PreemptionMode> PreemptionModeFromName(std::string_view name) {
  for (PreemptionMode mode : {PreemptionMode::kStop, PreemptionMode::kPause}) {
    if (name == PreemptionModeName(mode)) return mode;
  }
  return std::nullopt;
}

std::optional<DemandSourceKind> DemandSourceFromName(std::string_view name) {
  for (DemandSourceKind kind : kDemandSourceKinds) {
    if (name == DemandSourceName(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace microscale
