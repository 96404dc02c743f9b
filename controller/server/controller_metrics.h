// ControllerMetrics: the controller's Prometheus metrics (names in docs/metrics.md).
//
// Per-app gauges are set from the reconciler after each pass; apps that disappear have
// their series removed so a deleted app does not linger in dashboards.
// Thread-safety: prometheus-cpp metrics are thread-safe; SetAppFigures and ForgetApp
// are serialized by a mutex.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTROLLER_METRICS_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTROLLER_METRICS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace microscale {

struct AppFigures {
  std::optional<double> demand;
  int priority = 0;
  int desired = 0;
  int allocated = 0;
  int running = 0;
  int paused = 0;
  int standby = 0;
  // Queue mode: the estimated arrival rate (items/s) and drain rate per running container.
  std::optional<double> arrival_rate;
  std::optional<double> drain_rate;
};

class ControllerMetrics {
 public:
  ControllerMetrics();

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

  void SetAppFigures(const std::string& app, const AppFigures& figures);
  // What a good read of the app's demand changed, at once (the other figures follow each
  // reconcile pass, which an idle cluster skips). Ignored for an app no pass has reported
  // yet, or one forgotten since.
  void SetDemandFigures(const std::string& app, double demand, std::optional<double> arrival_rate,
                        std::optional<double> drain_rate);
  void ForgetApp(const std::string& app);
  void SetNodes(int ready, int not_ready, int cordoned);
  void ObserveReconcile(double seconds) { reconcile_duration_.Observe(seconds); }
  void CountCommand(const char* type, const char* result);
  void ObserveCommandLatency(double seconds) { command_latency_.Observe(seconds); }
  void CountSourceError(const std::string& app, const std::string& source);
  void CountPreemptions(const std::string& app, int n);
  // A container of the app exited soon after its start; `backoff` is the hold on its
  // starts that follows (microscale_app_crash_loop_backoff_seconds, 0 once it is over).
  void CountCrash(const std::string& app, absl::Duration backoff);
  void EndCrashLoop(const std::string& app);
  void ObserveScaleReaction(double seconds) { scale_reaction_.Observe(seconds); }
  void ObserveStoreWrite(double seconds) { store_write_duration_.Observe(seconds); }
  void CountStoreError(const char* op);
  // Whether this controller leads (a single controller on SQLite always does); becoming
  // the leader counts a transition.
  void SetLeader(bool leading);
  // A pass's commands for a node were queued for its stream (+1), or written (-1).
  void AddNodeWritesQueued(int n) { node_writes_queued_.Increment(n); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& demand_;
  prometheus::Family<prometheus::Gauge>& desired_;
  prometheus::Family<prometheus::Gauge>& allocated_;
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Gauge>& standby_;
  prometheus::Family<prometheus::Gauge>& paused_;
  prometheus::Family<prometheus::Gauge>& arrival_rate_;
  prometheus::Family<prometheus::Gauge>& drain_rate_;
  prometheus::Family<prometheus::Gauge>& nodes_;
  prometheus::Family<prometheus::Counter>& commands_;
  prometheus::Family<prometheus::Counter>& source_errors_;
  prometheus::Family<prometheus::Counter>& preemptions_;
  prometheus::Family<prometheus::Counter>& crashes_;
  prometheus::Family<prometheus::Gauge>& crash_backoff_;
  prometheus::Histogram& reconcile_duration_;
  prometheus::Histogram& command_latency_;
  prometheus::Histogram& scale_reaction_;
  prometheus::Histogram& store_write_duration_;
  prometheus::Family<prometheus::Counter>& store_errors_;
  prometheus::Gauge& leader_;
  prometheus::Counter& leader_transitions_;
  prometheus::Gauge& node_writes_queued_;

  void SetEstimates(const std::string& app, std::optional<double> arrival_rate,
                    std::optional<double> drain_rate) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An app's gauges, found once by their label sets (a lookup that hashes a map of labels)
  // and then set directly: each pass sets six of them for every app, 60,000 at 10,000
  // apps. Also what the demand and estimate gauges hold, so that a read that changes
  // nothing costs a lookup.
  struct AppSeries {
    int priority = 0;  // the label the priority series were made with (it may change)
    prometheus::Gauge* desired = nullptr;
    prometheus::Gauge* allocated = nullptr;
    prometheus::Gauge* running = nullptr;
    prometheus::Gauge* standby = nullptr;
    prometheus::Gauge* paused = nullptr;
    prometheus::Gauge* demand = nullptr;  // once a demand is known
    std::optional<double> demand_value;
    std::optional<double> arrival_rate;
    std::optional<double> drain_rate;
  };

  // Writes the app's demand (when given) and estimates, unless the gauges hold them already.
  void SetDemandSeries(const std::string& app, AppSeries& series, std::optional<double> demand,
                       std::optional<double> arrival_rate, std::optional<double> drain_rate,
                       bool first) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  // Every app a pass has reported, by name.
  std::map<std::string, AppSeries> apps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTROLLER_METRICS_H_
