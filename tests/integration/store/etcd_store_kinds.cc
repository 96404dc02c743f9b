// The integration tests' store for the StateStore contract: the etcd store on the binary's
// real etcd, each test under a prefix of its own.
#include <atomic>

#include "controller/store/etcd_state_store.h"
#include "controller/store/store_kinds.h"
#include "gtest/gtest.h"
#include "tests/integration/store/etcd_test_server.h"

namespace microscale::testing {

std::vector<StoreKind> StoreKinds() {
  return {{"Etcd", [](const std::string&, Clock& clock) -> std::unique_ptr<StateStore> {
             static std::atomic<int> tests{0};
             std::string why;
             EtcdServer* etcd = SharedEtcd(&why);
             EXPECT_NE(etcd, nullptr) << why;
             if (etcd == nullptr) return nullptr;
             auto client = std::make_shared<EtcdClient>(std::vector<std::string>{etcd->endpoint()},
                                                        nullptr, absl::Seconds(10));
             return std::make_unique<EtcdStateStore>(
                 client, "/contract/" + std::to_string(tests++) + "/", clock);
           }}};
}

}  // namespace microscale::testing
