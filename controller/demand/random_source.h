// RandomWalkDemandSource: the demo's made-up demand, a bounded random walk.
//
// The value starts at a random point in [min, max] at the first read and takes one random
// step every `changeEverySeconds`, reflecting off the bounds; a step moves at most a
// quarter of the range. The walk is a pure function of the seed, the time of the first
// read and the time of the read, so a seeded run repeats exactly. When min and max are
// whole numbers the values read are whole numbers too.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_RANDOM_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_RANDOM_SOURCE_H_

#include <cstdint>
#include <optional>

#include "controller/demand/demand_source.h"

namespace microscale {

class RandomWalkDemandSource final : public DemandSource {
 public:
  RandomWalkDemandSource(const RandomDemand& spec, uint64_t seed);
  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  // Moves the cached walk to step `step` (restarting from step 0 if it is behind).
  void WalkTo(int64_t step);
  double Uniform(int64_t step) const;  // in [0, 1), fixed by the seed and the step

  RandomDemand spec_;
  uint64_t seed_;
  absl::Duration period_;
  std::optional<absl::Time> origin_;
  int64_t step_ = 0;
  double value_ = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_RANDOM_SOURCE_H_
