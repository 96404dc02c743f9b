// DemandPoller: reads every app's demand source on the app's own timer and hands each
// result to a callback, without ever blocking the thread that configures it.
//
// Each app is read at once when it is added (or its demand settings change), then every
// `intervalSeconds`. Reads run on a small pool of threads, so apps are read concurrently;
// a static source's value, which is at hand, is read on the scheduler's thread.
// A read that has not answered within `timeoutSeconds` is reported as a DeadlineExceeded
// failure at its deadline and its late result is dropped; while it is still stuck, every
// tick reports another failure, so a hung source keeps counting as failing rather than
// going silent. SetStaticValue changes a static source and reports the new value at once
// instead of at the next tick.
//
// Thread-safety: all methods are safe to call from any thread. The callback runs on the
// poller's threads, one call at a time; it should return quickly (record the value, wake
// the reconciler) and must not call UpdateApps or Stop. After UpdateApps returns, no
// observation of a removed or replaced source is delivered (UpdateApps waits for a callback
// already in progress); after Stop returns, none at all.
#ifndef MICROSCALE_CONTROLLER_DEMAND_DEMAND_POLLER_H_
#define MICROSCALE_CONTROLLER_DEMAND_DEMAND_POLLER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/manifest/app.h"
#include "controller/demand/demand_source.h"
#include "controller/demand/worker_pool.h"

namespace microscale {

class StaticDemandSource;

// One read of one app's demand.
struct DemandObservation {
  std::string app;
  DemandSourceKind source = DemandSourceKind::kStatic;
  absl::StatusOr<double> value;  // the demand, or why the read failed
  absl::Time time;               // when the value was read (mid-request), or given up
  // A static read: the value's generation at the read, which Hold checks is still current.
  uint64_t static_generation = 0;
  // The items ever enqueued, when the source counts them (DemandSource::ArrivalsTotal).
  std::optional<double> arrivals_total = std::nullopt;
};

using DemandSourceFactory =
    std::function<absl::StatusOr<std::unique_ptr<DemandSource>>(const AppSpec&)>;

struct DemandPollerOptions {
  int threads = 4;
  Clock* clock = &RealClock::Get();  // timestamps and the `now` given to sources
  DemandSourceFactory factory = MakeDemandSource;
  absl::Duration min_interval = absl::Milliseconds(10);  // floor for intervalSeconds
  absl::Duration default_timeout = absl::Seconds(2);     // when timeoutSeconds <= 0
};

class DemandPoller {
 public:
  using Callback = std::function<void(const DemandObservation&)>;

  DemandPoller(Callback callback, DemandPollerOptions options = {});
  ~DemandPoller();  // Stop()
  DemandPoller(const DemandPoller&) = delete;
  DemandPoller& operator=(const DemandPoller&) = delete;

  // Makes `apps` the set of apps polled. New apps and apps whose demand settings changed
  // get a fresh source and are read at once; apps whose demand settings are unchanged keep
  // their source, timer and static value; missing apps stop being read. An app whose source
  // cannot be built reports that error at every tick.
  // `static_values`: the starting values of static sources made now (those given to
  // `demand set` before a restart), read instead of the manifest's from the first read on.
  void UpdateApps(const std::vector<AppSpec>& apps,
                  const std::map<std::string, double>& static_values = {});

  // The same for a change of some apps only (an apply, a delete): `changed` were created or
  // reconfigured, and are read again (with a fresh source when their demand settings
  // changed; any setting may change what the demand decides, so a held value is read too);
  // `removed` stop being read. Every other app keeps its source, timer and hold: an apply
  // of 4,000 apps to a controller of 10,000 no longer reads all 10,000 again.
  void ChangeApps(const std::vector<AppSpec>& changed, const std::vector<std::string>& removed);

  // Sets the value of a static source and reports it at once. NotFound for an unknown app,
  // FailedPrecondition if the app's source is not static.
  absl::Status SetStaticValue(std::string_view app, double value);

  // Stops reading the static source of an app after `observation`, one of its reads that
  // reading again would not change (its decision is settled), until the value is set again
  // or UpdateApps is called: 10,000 static apps would otherwise be 10,000 reads a second
  // that change nothing. Nothing for another source, or a read older than a change since.
  // May be called from the callback.
  void Hold(const DemandObservation& observation);

  // Stops timers and threads; waits for running reads (each bounded by its timeout).
  void Stop();

 private:
  struct Entry {
    DemandSpec spec;
    std::shared_ptr<DemandSource> source;
    StaticDemandSource* static_source = nullptr;  // set when the source is static
    uint64_t static_generation = 1;               // raised by every change of the value
    bool held = false;                            // Hold: not read until a change
    uint64_t epoch = 0;                           // identifies this source of the app
    absl::Time next_due;
    bool in_flight = false;  // a read is running or queued
    uint64_t read_id = 0;
    absl::Time read_started;
    absl::Time read_deadline;
    bool deadline_reported = false;
  };

  Entry MakeEntry(const AppSpec& app, absl::Time now);
  // For each of `apps`: a fresh source when its demand settings changed (or it is new),
  // started at its value in `static_values` if any; else the source is kept and a held
  // value is read again.
  void Reconfigure(const std::vector<AppSpec>& apps,
                   const std::map<std::string, double>& static_values, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  // Handles what is due at `now`: adds to `ready` the failures to report and the static
  // values read, with their sources' epochs; returns when to look again.
  absl::Time Tick(absl::Time now, std::vector<std::pair<DemandObservation, uint64_t>>& ready)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads a held entry again from `now`, and turns away a Hold of a read before this.
  static void Resume(Entry& entry, absl::Time now);
  void StartRead(const std::string& app, Entry& entry, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `began`: when the request to the source was made.
  void FinishRead(const std::string& app, uint64_t epoch, uint64_t read_id,
                  std::optional<double> arrivals_total, absl::StatusOr<double> value,
                  absl::Time began);
  // Delivers `observation` if the source `epoch` of its app is still current.
  void Deliver(const DemandObservation& observation, uint64_t epoch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(deliver_mu_);
  absl::Duration Interval(const DemandSpec& spec) const;
  absl::Duration Timeout(const DemandSpec& spec) const;

  const Callback callback_;
  const DemandPollerOptions options_;
  Clock& clock_;

  absl::Mutex deliver_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // serializes callbacks
  absl::Mutex mu_;
  absl::CondVar wake_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_epoch_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_read_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  demand_internal::WorkerPool pool_;
  std::thread scheduler_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_DEMAND_POLLER_H_
