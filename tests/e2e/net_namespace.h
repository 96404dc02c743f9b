// NetworkNamespace: a Linux network namespace joined to the host by a veth pair, for tests
// that cut one process off the network while it keeps running.
//
// The namespace gets a name unique to this process, and the pair an address each from a
// private /30 (10.254.a.b/30, picked from the pid and a per-process counter) that exists only
// on that link. Cut() takes the host end of the link down, so packets between the two sides
// are dropped silently (no reset reaches either side); Heal() brings it back. A namespace
// without a link isolates a process's network changes from the host. The destructor
// deletes the pair and the namespace, also when the test failed. Needs root (CAP_NET_ADMIN).
// Thread-compatible: one owner.
#ifndef MICROSCALE_TESTS_E2E_NET_NAMESPACE_H_
#define MICROSCALE_TESTS_E2E_NET_NAMESPACE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace microscale::testing {

class NetworkNamespace {
 public:
  // With `link` false the namespace has only its loopback: nothing inside reaches the host
  // network, and nothing done to interfaces inside touches the host's.
  explicit NetworkNamespace(bool link = true);
  ~NetworkNamespace();
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;

  // Whether the namespace and its link were set up; `status()` says why not.
  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }

  const std::string& name() const { return name_; }
  // The host end's address: where a process inside the namespace reaches the host.
  const std::string& host_address() const { return host_address_; }
  const std::string& inside_address() const { return inside_address_; }
  // Runs a program inside the namespace: prefix + {program, args...}.
  std::vector<std::string> ExecPrefix() const;

  // Takes the host end of the link down (a silent partition) / brings it back up.
  absl::Status Cut();
  absl::Status Heal();

 private:
  absl::Status SetUp(bool link);

  absl::Status status_;
  std::string name_;
  std::string host_veth_;
  std::string inside_veth_;
  std::string host_address_;
  std::string inside_address_;
  bool created_ = false;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_NET_NAMESPACE_H_
