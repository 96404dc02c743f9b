#include "controller/demand/random_source.h"

#include <algorithm>
#include <cmath>

namespace microscale {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool IsWhole(double x) { return std::floor(x) == x; }

}  // namespace

RandomWalkDemandSource::RandomWalkDemandSource(const RandomDemand& spec, uint64_t seed)
    : spec_(spec), seed_(seed), period_(absl::Seconds(std::max(spec.change_every_seconds, 0.001))) {
  if (spec_.max < spec_.min) std::swap(spec_.min, spec_.max);
  value_ = spec_.min + Uniform(0) * (spec_.max - spec_.min);
}

double RandomWalkDemandSource::Uniform(int64_t step) const {
  uint64_t bits = SplitMix64(seed_ ^ SplitMix64(static_cast<uint64_t>(step)));
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

void RandomWalkDemandSource::WalkTo(int64_t step) {
  double range = spec_.max - spec_.min;
  if (step < step_) {
    step_ = 0;
    value_ = spec_.min + Uniform(0) * range;
  }
  for (; step_ < step; ++step_) {
    double next = value_ + (2 * Uniform(step_ + 1) - 1) * range / 4;
    if (next > spec_.max) next = 2 * spec_.max - next;
    if (next < spec_.min) next = 2 * spec_.min - next;
    value_ = std::clamp(next, spec_.min, spec_.max);
  }
}

absl::StatusOr<double> RandomWalkDemandSource::Read(absl::Time now) {
  if (!origin_) origin_ = now;
  absl::Duration remainder;
  int64_t step = std::max<int64_t>(0, absl::IDivDuration(now - *origin_, period_, &remainder));
  WalkTo(step);
  if (IsWhole(spec_.min) && IsWhole(spec_.max)) return std::round(value_);
  return value_;
}

}  // namespace microscale
