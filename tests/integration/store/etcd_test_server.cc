#include "tests/integration/store/etcd_test_server.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "controller/store/etcd_client.h"

namespace microscale::testing {

EtcdServer::EtcdServer(std::optional<EtcdServerTls> tls)
    : tls_(std::move(tls)), client_port_(FreePort()), peer_port_(FreePort()) {
  char pattern[] = "/tmp/microscale-etcd.XXXXXX";
  dir_ = mkdtemp(pattern);
}

EtcdServer::~EtcdServer() {
  process_.Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool EtcdServer::StartAndWait(const std::shared_ptr<grpc::ChannelCredentials>& probe_credentials) {
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  const std::string client = (tls_ ? "https://" : "http://") + endpoint();
  std::vector<std::string> args;
  args.insert(args.end(), {"--name", "m1", "--data-dir", dir_ + "/data", "--log-level", "warn",
                           "--listen-client-urls", client, "--advertise-client-urls", client,
                           "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                           "--initial-cluster", "m1=" + peer});
  if (tls_) {
    // The JSON gateway is off: it would dial the member with the server's certificate as a
    // client certificate, and only fill the log with its refusals.
    args.insert(args.end(),
                {"--cert-file", tls_->cert, "--key-file", tls_->key, "--client-cert-auth",
                 "--trusted-ca-file", tls_->client_ca, "--enable-grpc-gateway=false"});
  }
  process_ = ChildProcess("/usr/bin/etcd", args, dir_ + "/etcd.log");
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    // A fresh channel each time: one that found the port closed waits out gRPC's reconnect
    // backoff (seconds) before it tries again, long after the member is up.
    EtcdClient probe({endpoint()}, probe_credentials, absl::Seconds(2));
    if (probe.RangePrefix("/").ok()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

EtcdServer* SharedEtcd(std::string* why) {
  // Destroyed at exit, which stops the member.
  static std::unique_ptr<EtcdServer> server = [why]() -> std::unique_ptr<EtcdServer> {
    if (access("/usr/bin/etcd", X_OK) != 0) {
      *why = "/usr/bin/etcd is missing: install the Debian package etcd-server";
      return nullptr;
    }
    auto started = std::make_unique<EtcdServer>();
    if (!started->StartAndWait()) {
      *why = "etcd did not start on " + started->endpoint() + ":\n" + started->log();
      return nullptr;
    }
    return started;
  }();
  if (server == nullptr && why->empty()) *why = "etcd did not start (see the first test)";
  return server.get();
}

void EtcdTest::SetUp() {
  std::string why;
  etcd_ = SharedEtcd(&why);
  ASSERT_NE(etcd_, nullptr) << why;
  client_ = std::make_shared<EtcdClient>(std::vector<std::string>{etcd_->endpoint()}, nullptr,
                                         absl::Seconds(10));
  prefix_ = "/" + root_ + "/" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/";
}

}  // namespace microscale::testing
