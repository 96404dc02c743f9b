#include "node-agent/agent/agent_metrics.h"

namespace microscale {
namespace {

const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 5, 10, 30};
  return *buckets;
}

}  // namespace

std::string ContainerStateName(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_STATE_STARTING:
      return "starting";
    case v1::CONTAINER_STATE_RUNNING:
      return "running";
    case v1::CONTAINER_STATE_PAUSED:
      return "paused";
    case v1::CONTAINER_STATE_STOPPING:
      return "stopping";
    case v1::CONTAINER_STATE_EXITED:
      return "exited";
    default:
      return "unknown";
  }
}

AgentMetrics::AgentMetrics(prometheus::Registry& registry)
    : containers_(prometheus::BuildGauge()
                      .Name("microscale_agent_containers")
                      .Help("Managed containers on this node by app and state.")
                      .Register(registry)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("microscale_agent_docker_request_duration_seconds")
                            .Help("Duration of calls into the container runtime.")
                            .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("microscale_agent_docker_errors_total")
                  .Help("Failed calls into the container runtime.")
                  .Register(registry)),
      commands_(prometheus::BuildCounter()
                    .Name("microscale_agent_commands_total")
                    .Help("Controller commands answered, by type and result.")
                    .Register(registry)),
      connected_(prometheus::BuildGauge()
                     .Name("microscale_agent_controller_connected")
                     .Help("1 while the stream to the controller is up.")
                     .Register(registry)
                     .Add({})),
      heartbeat_interval_(prometheus::BuildGauge()
                              .Name("microscale_agent_heartbeat_interval_seconds")
                              .Help("Time between heartbeats: --heartbeat-interval, or the "
                                    "longer interval the controller paced this agent to.")
                              .Register(registry)
                              .Add({})) {}

void AgentMetrics::ObserveRuntimeCall(std::string_view operation, absl::Duration duration,
                                      bool ok) {
  std::string op(operation);
  request_duration_.Add({{"operation", op}}, DurationBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
  if (!ok) errors_.Add({{"operation", op}}).Increment();
}

void AgentMetrics::CountCommand(std::string_view type, bool ok) {
  commands_.Add({{"type", std::string(type)}, {"result", ok ? "ok" : "error"}}).Increment();
}

void AgentMetrics::SetConnected(bool connected) { connected_.Set(connected ? 1 : 0); }

void AgentMetrics::SetHeartbeatInterval(absl::Duration interval) {
  heartbeat_interval_.Set(absl::ToDoubleSeconds(interval));
}

void AgentMetrics::SetContainers(const std::vector<v1::Container>& containers) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const v1::Container& c : containers) ++counts[{c.app(), ContainerStateName(c.state())}];
  absl::MutexLock lock(&mu_);
  for (auto it = container_series_.begin(); it != container_series_.end();) {
    if (counts.count(it->first) == 0) {
      containers_.Remove(it->second);
      it = container_series_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, n] : counts) {
    prometheus::Gauge*& gauge = container_series_[key];
    if (gauge == nullptr) gauge = &containers_.Add({{"app", key.first}, {"state", key.second}});
    gauge->Set(n);
  }
}

}  // namespace microscale
