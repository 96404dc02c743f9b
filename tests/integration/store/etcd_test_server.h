// A real etcd (Debian package etcd-server) for the etcd store's integration tests: one
// member on free loopback ports (clients and peers), its data in a scratch directory,
// stopped and removed on destruction. Thread-safety: none; used from the test's main thread.
#ifndef MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_
#define MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_

#include <memory>
#include <string>
#include <utility>

#include "controller/store/etcd_client.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {

class EtcdServer {
 public:
  EtcdServer();
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // Starts the member; whether it answers a read within 60 s.
  bool StartAndWait();
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  std::string log() const { return process_.Log(); }

 private:
  std::string dir_;
  int client_port_;
  int peer_port_;
  ChildProcess process_;
};

// The one etcd of this test binary, started on first use; nullptr (with the reason in
// `why`) when it cannot start.
EtcdServer* SharedEtcd(std::string* why);

// A test on the shared etcd: a client of it, and a key prefix of its own,
// /<root>/<test name>/, so tests never see each other's keys.
class EtcdTest : public ::testing::Test {
 protected:
  explicit EtcdTest(std::string root) : root_(std::move(root)) {}
  void SetUp() override;

  EtcdServer* etcd_ = nullptr;
  std::shared_ptr<EtcdClient> client_;
  std::string prefix_;

 private:
  std::string root_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_
