// A real etcd (Debian package etcd-server) for the etcd store's integration tests: one
// member on free loopback ports (clients and peers), its data in a scratch directory,
// stopped and removed on destruction. Its client port speaks plaintext, or TLS that asks
// every client for a certificate (EtcdServerTls). Thread-safety: none; used from the
// test's main thread.
#ifndef MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_
#define MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "controller/store/etcd_client.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {

// TLS on a member's client port: it presents `cert` and `key`, and refuses a client
// without a certificate signed by `client_ca`.
struct EtcdServerTls {
  std::string cert;
  std::string key;
  std::string client_ca;
};

class EtcdServer {
 public:
  explicit EtcdServer(std::optional<EtcdServerTls> tls = std::nullopt);
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // Starts the member; whether it answers a read within 60 s. A TLS member is read with
  // `probe`, credentials it accepts.
  bool StartAndWait(const std::shared_ptr<grpc::ChannelCredentials>& probe = nullptr);
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  std::string log() const { return process_.Log(); }

 private:
  std::optional<EtcdServerTls> tls_;
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
