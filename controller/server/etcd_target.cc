#include "controller/server/etcd_target.h"

#include <utility>

#include "common/flags.h"
#include "controller/server/controller_flags.h"

namespace microscale {

void AddEtcdTargetFlags(CLI::App& app, EtcdTarget* target) {
  AddEnvFlag(app, "etcd-prefix", &target->prefix,
             "the key prefix in etcd (default /microscale/<cluster-name>/)");
  AddEnvFlag(app, "cluster-name", &target->cluster_name,
             "the cluster the state belongs to (as the controller's --cluster-name)");
  AddEnvFlag(app, "etcd-tls-cert", &target->tls.cert,
             "PEM client certificate for etcd (as the controller's --etcd-tls-cert)");
  AddEnvFlag(app, "etcd-tls-key", &target->tls.key, "PEM private key of --etcd-tls-cert");
  AddEnvFlag(app, "etcd-tls-ca", &target->tls.ca,
             "PEM CA bundle that signs etcd's certificate (turns on TLS to etcd)");
}

std::optional<EtcdTargetProblem> ResolveEtcdTarget(const EtcdTarget& target, std::string* prefix) {
  if (target.cluster_name.empty()) return EtcdTargetProblem{"--cluster-name", "must not be empty"};
  absl::StatusOr<std::string> resolved = ResolveEtcdPrefix(target.prefix, target.cluster_name);
  if (!resolved.ok()) {
    return EtcdTargetProblem{"--etcd-prefix", std::string(resolved.status().message())};
  }
  if (absl::Status s = CheckTlsFlags(target.tls, /*need_own_cert=*/false, "etcd-tls"); !s.ok()) {
    return EtcdTargetProblem{"", std::string(s.message())};
  }
  *prefix = *std::move(resolved);
  return std::nullopt;
}

absl::StatusOr<std::shared_ptr<EtcdClient>> DialEtcdTarget(
    const std::vector<std::string>& endpoints, const EtcdTarget& target, absl::Duration timeout) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      EtcdChannelCredentials(target.tls);
  if (!credentials.ok()) return credentials.status();
  return std::make_shared<EtcdClient>(endpoints, *credentials, timeout);
}

}  // namespace microscale
