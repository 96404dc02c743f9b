// The stores the StateStore contract test (state_store_test.cc) runs against. Each test
// binary that compiles the contract links one definition of StoreKinds(): the SQLite and
// in-memory stores for the unit tests (store_kinds.cc), the etcd store on a real etcd for
// the integration tests. Thread-safety: test-only.
#ifndef MICROSCALE_CONTROLLER_STORE_STORE_KINDS_H_
#define MICROSCALE_CONTROLLER_STORE_STORE_KINDS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/state_store.h"

namespace microscale::testing {

struct StoreKind {
  std::string name;
  // A new, empty store; `dir` is a scratch directory of the test. nullptr on failure.
  std::function<std::unique_ptr<StateStore>(const std::string& dir, Clock& clock)> make;
};

std::vector<StoreKind> StoreKinds();

}  // namespace microscale::testing

#endif  // MICROSCALE_CONTROLLER_STORE_STORE_KINDS_H_
