// StaticDemandSource: demand that is a fixed number until someone changes it (the
// manifest's `value`, or `microscalectl demand set`).
// Thread-safety: Read and SetValue are safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_DEMAND_STATIC_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_STATIC_SOURCE_H_

#include <atomic>

#include "controller/demand/demand_source.h"

namespace microscale {

class StaticDemandSource final : public DemandSource {
 public:
  explicit StaticDemandSource(double value = 0) : value_(value) {}
  absl::StatusOr<double> Read(absl::Time) override { return value_.load(); }
  void SetValue(double value) { value_.store(value); }

 private:
  std::atomic<double> value_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_STATIC_SOURCE_H_
