// AppTable: the controller's in-memory view of every app: its spec, its demand readings,
// the count it wants (stage 1 of the decision, run on each reading) and the figures of the
// last reconcile pass. The store holds the durable part; this holds the live part.
// Thread-safety: every method is safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_SERVER_APP_TABLE_H_
#define MICROSCALE_CONTROLLER_SERVER_APP_TABLE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/manifest/app.h"
#include "controller/core/desired.h"
#include "controller/core/types.h"
#include "controller/server/crash_loop.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

struct AppEntry {
  AppSpec spec;
  absl::Time created;
  std::optional<double> demand;  // last successful read
  // The last read's decision is settled (core::IsSettled): a source that is not read again
  // until its value changes may be held.
  bool settled = false;
  std::string last_error;  // of the last failed read; empty after a good one
  int consecutive_failures = 0;
  core::DesiredState desired_state;
  int32_t desired = 0;
  // Queue mode's estimates and the predictive forecast, from the last reading (status).
  std::optional<double> arrival_rate;
  std::optional<double> drain_rate_per_container;
  bool arrivals_counted = false;
  std::optional<double> forecast;
  core::AppAllocation allocation;  // from the last reconcile pass
  int64_t next_ordinal = 0;
  // Scale reaction: when the desired count last changed, until that many run.
  std::optional<absl::Time> reaction_since;
  // The app's crash-loop backoff, while it lasts (the reconciler's CrashLoops).
  std::optional<CrashLoop> crash_loop;
  // Each condition's status and when it last changed (lastTransitionTime).
  std::map<std::string, std::pair<std::string, absl::Time>> condition_since;
};

// What a demand reading did to an app.
struct ReadingOutcome {
  bool known_app = false;
  bool desired_changed = false;
  int32_t old_desired = 0;
  int32_t new_desired = 0;
  bool became_failing = false;  // first failure after a good read (or none)
  bool recovered = false;       // first good read after failures
  bool settled = false;         // core::IsSettled: reading the same value again changes nothing
  // Queue mode's estimates after this reading (unset until known).
  std::optional<double> arrival_rate;
  std::optional<double> drain_rate;
};

class AppTable {
 public:
  // Adds or replaces apps; a replaced app keeps its demand, desired state and figures.
  void Upsert(const AppSpec& spec, absl::Time created, absl::Time now);
  void Remove(const std::string& name);
  void SetNextOrdinal(const std::string& name, int64_t next);
  // The app's crash loop for its status (nullopt: none, or over).
  void SetCrashLoop(const std::string& name, std::optional<CrashLoop> loop, absl::Time now);
  // After a restart: the app ran `count` containers, so until its source is read again it
  // keeps wanting that many (clamped to min and max) rather than falling back to min.
  void SeedDesired(const std::string& name, int32_t count, absl::Time now);

  // `arrivals_total`: the items ever enqueued, when the source counts them (queue mode).
  ReadingOutcome ApplyReading(const std::string& name, const absl::StatusOr<double>& value,
                              absl::Time now, std::optional<double> arrivals_total = std::nullopt);

  std::optional<AppEntry> Get(const std::string& name) const;
  bool Contains(const std::string& name) const;
  size_t Size() const;
  std::vector<AppEntry> List() const;
  // Calls `visit` with every app in name order, under the table's lock (so `visit` must
  // not call back into the table): what a periodic walk over 10,000 apps needs, without a
  // copy of each.
  void Visit(absl::FunctionRef<void(const AppEntry&)> visit) const;
  std::vector<core::AppInput> Inputs() const;
  // Records the figures of a reconcile pass. Returns, per app, the scale reaction time
  // when the app just reached its desired count.
  std::vector<std::pair<std::string, absl::Duration>> RecordAllocations(
      const std::vector<core::AppAllocation>& allocations, absl::Time now);

 private:
  // Records the moment any condition of `entry` changed status.
  static void NoteTransitions(AppEntry& entry, absl::Time now);

  mutable absl::Mutex mu_;
  std::map<std::string, AppEntry> apps_ ABSL_GUARDED_BY(mu_);
};

// The app's status as the API shows it (conditions included).
v1::AppStatus StatusOf(const AppEntry& entry);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_APP_TABLE_H_
