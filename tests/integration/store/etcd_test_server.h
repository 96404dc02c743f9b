// A real etcd (Debian package etcd-server) for the etcd store's integration tests: one
// member on free loopback ports (clients and peers), its data in a scratch directory,
// stopped on destruction. Thread-safety: none; used from the test's main thread.
#ifndef MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_
#define MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_

#include <memory>
#include <string>

#include "tests/integration/demand/test_servers.h"

namespace microscale::testing {

class EtcdServer {
 public:
  EtcdServer();

  // Starts the member (again after Stop(), with its data); whether it answers within 60 s.
  bool StartAndWait();
  void Stop();
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }

 private:
  ScratchDir dir_;
  int client_port_;
  int peer_port_;
  std::unique_ptr<ChildProcess> process_;
};

// The one etcd of this test binary, started on first use; nullptr (with the reason in
// `why`) when it cannot start.
EtcdServer* SharedEtcd(std::string* why);

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_INTEGRATION_STORE_ETCD_TEST_SERVER_H_
