#include "tests/e2e/net_namespace.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {
namespace {

constexpr char kIp[] = "/usr/sbin/ip";

absl::Status Ip(const std::vector<std::string>& args) {
  CommandResult r = RunCommand(kIp, args);
  if (r.exit_code == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("ip ", absl::StrJoin(args, " "), " failed (", r.exit_code, "): ", r.err));
}

// A /30 per namespace: 16384 of them in 10.254.0.0/16, chosen by pid and a counter.
int NextSubnet() {
  static std::atomic<int> counter{0};
  return (static_cast<int>(getpid()) * 7 + counter.fetch_add(1)) % 16384;
}

}  // namespace

NetworkNamespace::NetworkNamespace(bool link) {
  const int pid = static_cast<int>(getpid());
  const int subnet = NextSubnet();
  name_ = absl::StrCat("microscale-e2e-", pid, "-", subnet);
  host_veth_ = absl::StrCat("msh", subnet, "x", pid % 10000);
  inside_veth_ = absl::StrCat("msn", subnet, "x", pid % 10000);
  const int third = subnet / 64;
  const int fourth = (subnet % 64) * 4;
  host_address_ = absl::StrCat("10.254.", third, ".", fourth + 1);
  inside_address_ = absl::StrCat("10.254.", third, ".", fourth + 2);
  status_ = SetUp(link);
}

absl::Status NetworkNamespace::SetUp(bool link) {
  if (absl::Status s = Ip({"netns", "add", name_}); !s.ok()) return s;
  created_ = true;
  if (!link) {
    host_veth_.clear();
    return Ip({"-n", name_, "link", "set", "lo", "up"});
  }
  const std::vector<std::vector<std::string>> steps = {
      {"link", "add", host_veth_, "type", "veth", "peer", "name", inside_veth_},
      {"link", "set", inside_veth_, "netns", name_},
      {"addr", "add", host_address_ + "/30", "dev", host_veth_},
      {"link", "set", host_veth_, "up"},
      {"-n", name_, "addr", "add", inside_address_ + "/30", "dev", inside_veth_},
      {"-n", name_, "link", "set", inside_veth_, "up"},
      {"-n", name_, "link", "set", "lo", "up"},
  };
  for (const auto& step : steps) {
    if (absl::Status s = Ip(step); !s.ok()) return s;
  }
  return absl::OkStatus();
}

NetworkNamespace::~NetworkNamespace() {
  // Deleting one end deletes the pair; deleting the namespace would too, but the host end
  // is named first in case the namespace is gone already.
  if (!host_veth_.empty()) (void)Ip({"link", "del", host_veth_});
  if (created_) (void)Ip({"netns", "del", name_});
}

std::vector<std::string> NetworkNamespace::ExecPrefix() const {
  return {kIp, "netns", "exec", name_};
}

absl::Status NetworkNamespace::Cut() { return Ip({"link", "set", host_veth_, "down"}); }

absl::Status NetworkNamespace::Heal() { return Ip({"link", "set", host_veth_, "up"}); }

}  // namespace microscale::testing
