// Backoff: exponential delays with full jitter between retries of a failing call.
//
// Delay n (from 0) is drawn uniformly from [initial * multiplier^n * (1 - jitter), that
// value], capped at `max`. Reset() after a success. Thread-compatible: one per caller.
#ifndef MICROSCALE_COMMON_BACKOFF_H_
#define MICROSCALE_COMMON_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace microscale {

struct BackoffOptions {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(5);
  double multiplier = 2.0;
  double jitter = 0.5;  // 0 = no jitter, 1 = a delay anywhere in [0, base]
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}, uint64_t seed = std::random_device{}());
  // The delay to wait before the next attempt; each call grows the next one.
  absl::Duration Next();
  void Reset();
  int attempts() const { return attempts_; }

 private:
  BackoffOptions options_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_COMMON_BACKOFF_H_
