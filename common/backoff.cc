#include "common/backoff.h"

#include <algorithm>
#include <cmath>

namespace microscale {

Backoff::Backoff(BackoffOptions options, uint64_t seed) : options_(options), rng_(seed) {}

absl::Duration Backoff::Next() {
  double base = absl::ToDoubleSeconds(options_.initial) *
                std::pow(options_.multiplier, std::min(attempts_, 62));
  base = std::min(base, absl::ToDoubleSeconds(options_.max));
  ++attempts_;
  double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> dist(base * (1.0 - jitter), base);
  return absl::Seconds(jitter > 0 ? dist(rng_) : base);
}

void Backoff::Reset() { attempts_ = 0; }

}  // namespace microscale
