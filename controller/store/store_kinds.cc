// The unit tests' stores: SQLite in the test's directory, and the in-memory store.
#include "controller/store/store_kinds.h"

#include "controller/store/memory_state_store.h"
#include "controller/store/sqlite_state_store.h"
#include "gtest/gtest.h"

namespace microscale::testing {

std::vector<StoreKind> StoreKinds() {
  return {{"Sqlite",
           [](const std::string& dir, Clock& clock) -> std::unique_ptr<StateStore> {
             auto store = SqliteStateStore::Open(dir, clock);
             EXPECT_TRUE(store.ok()) << store.status();
             return store.ok() ? std::move(*store) : nullptr;
           }},
          {"Memory", [](const std::string&, Clock& clock) -> std::unique_ptr<StateStore> {
             return std::make_unique<MemoryStateStore>(clock);
           }}};
}

}  // namespace microscale::testing
