// StateSnapshot: the whole of a StateStore's state, read at once, as `microscale-controller
// migrate` copies it from one store into another.
// Thread-safety: ReadSnapshot calls the store's (thread-safe) reads.
#ifndef MICROSCALE_CONTROLLER_STORE_STATE_SNAPSHOT_H_
#define MICROSCALE_CONTROLLER_STORE_STATE_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/store/state_store.h"

namespace microscale {

struct StateSnapshot {
  std::vector<StoredApp> apps;  // with their creation times and generations
  std::map<std::string, double> static_demands;
  std::set<std::string> cordons;
  std::set<std::string> draining;  // a subset of cordons
  std::vector<v1::Container> assignments;
  std::map<std::string, int64_t> next_ordinals;
  std::vector<StoredToken> tokens;  // hashes only, with their creation times
};

// Every part of `store`'s state. The reads are separate: take it while nothing writes.
absl::StatusOr<StateSnapshot> ReadSnapshot(StateStore& store);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_STATE_SNAPSHOT_H_
