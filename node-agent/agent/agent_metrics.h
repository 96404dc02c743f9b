// AgentMetrics: the agent's Prometheus metrics (DESIGN.md "Metrics"), registered on a
// registry that the agent's HTTP server exposes on /metrics.
//
//   microscale_agent_containers{app,state}                      gauge
//   microscale_agent_docker_request_duration_seconds{operation} histogram (runtime calls)
//   microscale_agent_docker_errors_total{operation}             counter
//   microscale_agent_commands_total{type,result}                counter
//   microscale_agent_controller_connected                       gauge, 0 or 1
//   microscale_agent_heartbeat_interval_seconds                 gauge
//
// Thread-safe.
#ifndef MICROSCALE_NODE_AGENT_AGENT_AGENT_METRICS_H_
#define MICROSCALE_NODE_AGENT_AGENT_AGENT_METRICS_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "microscale/v1/types.pb.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace microscale {

// "starting", "running", "paused", "stopping", "exited" or "unknown".
std::string ContainerStateName(v1::ContainerState state);

class AgentMetrics {
 public:
  explicit AgentMetrics(prometheus::Registry& registry);

  // One call into the container runtime (operation: start, stop, list, ...).
  void ObserveRuntimeCall(std::string_view operation, absl::Duration duration, bool ok);
  // One answered controller command (type: start, stop, pause, resume, sync).
  void CountCommand(std::string_view type, bool ok);
  void SetConnected(bool connected);
  // The interval heartbeats go out at: the agent's own, or the longer one it was paced to.
  void SetHeartbeatInterval(absl::Duration interval);
  // Replaces the per-app, per-state container counts with those of `containers`.
  void SetContainers(const std::vector<v1::Container>& containers);

 private:
  prometheus::Family<prometheus::Gauge>& containers_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& commands_;
  prometheus::Gauge& connected_;
  prometheus::Gauge& heartbeat_interval_;

  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> container_series_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_AGENT_METRICS_H_
