// CrashLoops: the crash-loop backoff of each app. A container that exits within
// `reset_after` of its start is a crash: the app's next start waits 10 s, then 20 s, 40 s...
// up to 5 minutes, doubling with each crash in a row. Once the app has gone `reset_after`
// since its last start without a crash, the count starts over. A container that ran longer
// than that before it exited is no crash: it is replaced at once.
// Pure (the caller passes the time); thread-compatible: the reconciler holds its lock.
#ifndef MICROSCALE_CONTROLLER_SERVER_CRASH_LOOP_H_
#define MICROSCALE_CONTROLLER_SERVER_CRASH_LOOP_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace microscale {

struct CrashLoopPolicy {
  absl::Duration first_delay = absl::Seconds(10);
  absl::Duration max_delay = absl::Minutes(5);
  absl::Duration reset_after = absl::Minutes(10);
};

struct CrashLoop {
  int crashes = 0;        // in a row
  absl::Duration delay;   // the hold after the last crash
  absl::Time last_crash;  // when it was seen
  absl::Time until;       // starts of the app wait until then
  std::string instance;   // the container that crashed last
  int exit_code = 0;      // and its exit code
  absl::Duration ran;     // how long it had run
};

class CrashLoops {
 public:
  explicit CrashLoops(CrashLoopPolicy policy = {}) : policy_(policy) {}

  // A container of `app` exited after running `ran` (unknown: zero). Returns the app's
  // backoff after this exit, or nullopt when it was no crash (it ran long enough).
  std::optional<CrashLoop> OnExit(const std::string& app, const std::string& instance,
                                  int exit_code, absl::Duration ran, absl::Time now);
  // Whether starts of `app` must wait at `now`.
  bool Holding(const std::string& app, absl::Time now) const;
  // The app's crash loop, while it lasts (from the first crash until `reset_after` past
  // the end of the last hold without another crash).
  std::optional<CrashLoop> Get(const std::string& app) const;
  // Ends the crash loops that are over at `now`; returns their apps.
  std::vector<std::string> Expire(absl::Time now);
  void Forget(const std::string& app) { loops_.erase(app); }
  const std::map<std::string, CrashLoop>& All() const { return loops_; }
  // When `loop` ends if no other crash comes.
  absl::Time EndsAt(const CrashLoop& loop) const { return loop.until + policy_.reset_after; }

 private:
  bool Over(const CrashLoop& loop, absl::Time now) const;

  CrashLoopPolicy policy_;
  std::map<std::string, CrashLoop> loops_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CRASH_LOOP_H_
