#include <random>

#include "controller/demand/demand_source.h"
#include "controller/demand/random_source.h"
#include "controller/demand/static_source.h"

namespace microscale {

absl::StatusOr<std::unique_ptr<DemandSource>> MakeDemandSource(const AppSpec& app) {
  const DemandSpec& demand = app.demand;
  switch (demand.source) {
    case DemandSourceKind::kStatic:
      return std::make_unique<StaticDemandSource>(demand.value.value_or(0));
    case DemandSourceKind::kRandom: {
      uint64_t seed = demand.random.seed ? *demand.random.seed : std::random_device{}();
      return std::make_unique<RandomWalkDemandSource>(demand.random, seed);
    }
    case DemandSourceKind::kPrometheus:
    case DemandSourceKind::kRedisList:
    case DemandSourceKind::kHttpJson:
      break;
  }
  return absl::UnimplementedError("this demand source is not built into this controller");
}

}  // namespace microscale
