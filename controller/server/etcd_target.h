// The etcd that a command of microscale-controller (`token`, `migrate`) works on, named by
// the same flags as the controllers that share it: --etcd-prefix, --cluster-name and
// --etcd-tls-cert/--etcd-tls-key/--etcd-tls-ca (each with its MICROSCALE_* variable).
// Thread-compatible.
#ifndef MICROSCALE_CONTROLLER_SERVER_ETCD_TARGET_H_
#define MICROSCALE_CONTROLLER_SERVER_ETCD_TARGET_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tls/tls_credentials.h"
#include "controller/store/etcd_state_store.h"

namespace microscale {

struct EtcdTarget {
  std::string prefix = "/microscale/<cluster-name>/";
  std::string cluster_name = "default";
  TlsFiles tls;  // all empty: plaintext etcd
};

// Adds --etcd-prefix, --cluster-name and --etcd-tls-* to `app`, filling `target`.
void AddEtcdTargetFlags(CLI::App& app, EtcdTarget* target);

// A usage error of those flags: the flag (with its dashes) and why.
struct EtcdTargetProblem {
  std::string flag;
  std::string why;
};

// The prefix the flags name (<cluster-name> replaced), or the problem with them.
std::optional<EtcdTargetProblem> ResolveEtcdTarget(const EtcdTarget& target, std::string* prefix);

// A client of `endpoints` with the TLS files of `target` (read now: InvalidArgument naming
// the flag, the path and why when one cannot be used); each call bounded by `timeout`.
absl::StatusOr<std::shared_ptr<EtcdClient>> DialEtcdTarget(
    const std::vector<std::string>& endpoints, const EtcdTarget& target, absl::Duration timeout);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_ETCD_TARGET_H_
