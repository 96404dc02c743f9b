#include "tests/e2e/etcd_cluster.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/built_programs.h"

namespace microscale::testing {
namespace {

constexpr char kEtcd[] = "/usr/bin/etcd";
constexpr char kEtcdctl[] = "/usr/bin/etcdctl";

std::string Url(int port) { return absl::StrCat("http://127.0.0.1:", port); }

}  // namespace

EtcdCluster::EtcdCluster(int members) {
  char pattern[] = "/tmp/microscale-etcd-cluster.XXXXXX";
  dir_ = mkdtemp(pattern);
  members_.resize(static_cast<size_t>(members));
  for (size_t i = 0; i < members_.size(); ++i) {
    members_[i].name = absl::StrCat("m", i + 1);
    members_[i].client_port = FreePort();
    members_[i].peer_port = FreePort();
  }
}

EtcdCluster::~EtcdCluster() {
  for (Member& m : members_) m.process.Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool EtcdCluster::Start(std::string* why, absl::Duration timeout) {
  if (access(kEtcd, X_OK) != 0 || access(kEtcdctl, X_OK) != 0) {
    *why = "etcd or etcdctl is missing: install the Debian packages etcd-server, etcd-client";
    return false;
  }
  std::vector<std::string> initial;
  for (const Member& m : members_) initial.push_back(m.name + "=" + Url(m.peer_port));
  for (Member& m : members_) {
    if (m.process.running()) continue;
    // On a restart the member reads the cluster from its data dir and ignores --initial-*.
    m.process = ChildProcess(kEtcd,
                             {"--name",
                              m.name,
                              "--data-dir",
                              absl::StrCat(dir_, "/", m.name),
                              "--listen-client-urls",
                              Url(m.client_port),
                              "--advertise-client-urls",
                              Url(m.client_port),
                              "--listen-peer-urls",
                              Url(m.peer_port),
                              "--initial-advertise-peer-urls",
                              Url(m.peer_port),
                              "--initial-cluster",
                              absl::StrJoin(initial, ","),
                              "--initial-cluster-state",
                              "new",
                              "--initial-cluster-token",
                              "microscale-e2e",
                              "--log-level",
                              "warn"},
                             absl::StrCat(dir_, "/", m.name, ".log"));
  }
  if (PollUntil([this] { return Healthy(); }, timeout, absl::Milliseconds(200))) return true;
  *why = absl::StrCat("etcd members ", Endpoints(), " not healthy within ",
                      absl::FormatDuration(timeout), "\n", Logs());
  return false;
}

void EtcdCluster::Stop() {
  for (Member& m : members_) m.process.Signal(SIGTERM);  // all at once, as an outage
  for (Member& m : members_) {
    if (m.process.WaitExit(10'000) < 0) m.process.Kill();
  }
}

void EtcdCluster::StopMember(int i) {
  Member& m = members_[static_cast<size_t>(i)];
  m.process.Signal(SIGTERM);
  if (m.process.WaitExit(10'000) < 0) m.process.Kill();
}

bool EtcdCluster::Healthy() const {
  return RunCommand(kEtcdctl, {"--endpoints", Endpoints(), "--dial-timeout", "1s",
                               "--command-timeout", "2s", "endpoint", "health"})
             .exit_code == 0;
}

std::string EtcdCluster::store() const { return "etcd://" + Endpoints(); }

std::string EtcdCluster::store_of(const std::vector<int>& members) const {
  std::vector<std::string> endpoints;
  for (int i : members) {
    endpoints.push_back(absl::StrCat("127.0.0.1:", members_[static_cast<size_t>(i)].client_port));
  }
  return "etcd://" + absl::StrJoin(endpoints, ",");
}

std::string EtcdCluster::Endpoints() const {
  std::vector<std::string> endpoints;
  for (const Member& m : members_) endpoints.push_back(absl::StrCat("127.0.0.1:", m.client_port));
  return absl::StrJoin(endpoints, ",");
}

std::string EtcdCluster::Logs() const {
  std::string out;
  for (const Member& m : members_) {
    absl::StrAppend(&out, "== etcd ", m.name, "\n", m.process.Log(), "\n");
  }
  return out;
}

}  // namespace microscale::testing
