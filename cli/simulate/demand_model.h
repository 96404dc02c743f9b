// DemandModel: the demand of every app over simulated time, from a trace.
//
// A level trace gives each app's demand reading directly; the reading holds until the
// app's next row (before its first row a static app reads its manifest `value`, any other
// app reads nothing). An arrivals trace drives a simulated queue per app: items arrive at
// the trace's rate, each running container drains `drain_rate` items/s, and the reading is
// the backlog. Integrate() runs the model between two moments at which nothing changes and
// accumulates the demand not served:
//   level:    ∫ max(0, demand − running × targetPerContainer) dt   (unit-seconds)
//   arrivals: ∫ backlog dt                                          (item-seconds waited)
// Thread-safety: not thread-safe; one simulation owns it.
#ifndef MICROSCALE_CLI_SIMULATE_DEMAND_MODEL_H_
#define MICROSCALE_CLI_SIMULATE_DEMAND_MODEL_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "cli/simulate/sim_cluster.h"
#include "cli/simulate/trace_csv.h"
#include "common/manifest/app.h"

namespace microscale::simulate {

class DemandModel {
 public:
  DemandModel(const DemandTrace& trace, const std::vector<AppSpec>& apps, double drain_rate);

  TraceKind kind() const { return kind_; }
  // Takes in the trace rows at or before `now_us`; true if a value changed.
  bool AdvanceTo(int64_t now_us);
  // When the next trace row applies, if any is left.
  std::optional<int64_t> NextChangeUs() const;
  // The app's reading now: its level (nullopt before it has one) or its backlog.
  std::optional<double> Reading(int app) const;
  // Runs the queues from `from_us` to `to_us` with the given containers (constant over the
  // span) and adds each app's unserved demand over the span to `shortfall[app]`.
  void Integrate(int64_t from_us, int64_t to_us, const std::vector<AppCounts>& counts,
                 std::vector<double>& shortfall);
  // True while a queue is not empty or items still arrive (an arrivals trace only).
  bool Moving() const;

 private:
  const TraceKind kind_;
  const std::vector<TracePoint>& points_;
  size_t next_ = 0;
  double drain_rate_ = 0;
  std::vector<double> target_;                // targetPerContainer per app
  std::vector<std::optional<double>> level_;  // level trace: the current reading
  std::vector<double> arrivals_;              // arrivals trace: items/s now
  std::vector<double> backlog_;               // arrivals trace: items waiting
};

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_DEMAND_MODEL_H_
