#include "tests/integration/store/etcd_test_server.h"

#include "controller/store/etcd_client.h"

namespace microscale::testing {

EtcdServer::EtcdServer() : client_port_(FreeLoopbackPort()), peer_port_(FreeLoopbackPort()) {}

bool EtcdServer::StartAndWait() {
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  const std::string client = "http://" + endpoint();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"etcd", "--name", "m1", "--data-dir", dir_.path() + "/data",
                               "--listen-client-urls", client, "--advertise-client-urls", client,
                               "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                               "--initial-cluster", "m1=" + peer, "--log-level", "warn"},
      dir_.path() + "/etcd.log");
  EtcdClient probe({endpoint()}, nullptr, absl::Seconds(2));
  return Eventually([&] { return probe.RangePrefix("/").ok(); }, absl::Seconds(60));
}

void EtcdServer::Stop() { process_->Stop(); }

EtcdServer* SharedEtcd(std::string* why) {
  // Destroyed at exit, which stops the member.
  static std::unique_ptr<EtcdServer> server = [why]() -> std::unique_ptr<EtcdServer> {
    if (!HaveProgram("etcd")) {
      *why = "etcd is missing: install the Debian package etcd-server";
      return nullptr;
    }
    auto started = std::make_unique<EtcdServer>();
    if (!started->StartAndWait()) {
      *why = "etcd did not start on " + started->endpoint();
      return nullptr;
    }
    return started;
  }();
  if (server == nullptr && why->empty()) *why = "etcd did not start (see the first test)";
  return server.get();
}

}  // namespace microscale::testing
