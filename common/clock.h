// Clock: the one way Microscale code reads time, so tests can drive it.
//
// RealClock reads the system clocks. FakeClock only moves when told to; it is for tests.
// Thread-safety: both are safe to call from any thread.
#ifndef MICROSCALE_COMMON_CLOCK_H_
#define MICROSCALE_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace microscale {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time; for timestamps shown to people.
  virtual absl::Time Now() const = 0;
  // Blocks the calling thread for `d` of this clock's time.
  virtual void SleepFor(absl::Duration d) = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override;
  void SleepFor(absl::Duration d) override;
  // A process-wide instance.
  static RealClock& Get();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000));
  absl::Time Now() const override;
  // Advances the fake time by `d` and returns at once; never blocks.
  void SleepFor(absl::Duration d) override;
  void Advance(absl::Duration d);
  void Set(absl::Time t);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_COMMON_CLOCK_H_
