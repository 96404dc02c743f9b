// The command line of microscale-controller (DESIGN.md "Flags of the daemons").
//
// Every flag has an env twin MICROSCALE_<FLAG> (--data-dir <-> MICROSCALE_DATA_DIR); the
// command line wins. A bad value is a usage error (exit 2) whose message names the flag.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTROLLER_FLAGS_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTROLLER_FLAGS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/tls/tls_credentials.h"
#include "controller/core/types.h"

namespace microscale {

struct ControllerConfig {
  std::string grpc_addr = "127.0.0.1:7400";
  std::string http_addr = "0.0.0.0:7401";
  std::string data_dir = "./microscale-data";
  std::string store = "sqlite";                    // sqlite | etcd://host:port[,host:port...]
  std::vector<std::string> etcd_endpoints;         // of --store etcd://...; empty for sqlite
  std::string etcd_prefix;                         // every key under it; ends with '/'
  absl::Duration leader_lease = absl::Seconds(5);  // with etcd: the leader key's lease
  TlsFiles etcd_tls;                               // --etcd-tls-*: all empty for a plaintext etcd
  // The credentials of every etcd channel, made from etcd_tls by LoadEtcdCredentials
  // (which reads the files); nullptr: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> etcd_credentials;
  std::string advertise_addr;  // what other controllers and agents are told; default grpc_addr
  std::string cluster_name = "default";
  absl::Duration node_timeout = absl::Seconds(10);
  absl::Duration startup_grace = absl::Seconds(10);
  absl::Duration node_gc = absl::Hours(1);  // zero: never forget NotReady nodes
  core::PlacementStrategy placement = core::PlacementStrategy::kSpread;
  bool allow_host_network = false;
  TlsFiles tls;           // all empty: plaintext gRPC
  bool insecure = false;  // --insecure: plaintext gRPC on a non-loopback address
  // --tls-allow-any-node-name: any agent certificate of --tls-ca may be any node (the
  // default asks for the node name as the certificate's CN or a DNS SAN).
  bool tls_allow_any_node_name = false;
  int max_apps = 10000;  // ApplyApps refuses to grow the app count beyond this
  // Heartbeat pacing (NodeRegistry): the most heartbeats a second all agents send together.
  double max_heartbeats_per_second = 100;
  LogFormat log_format = LogFormat::kText;
};

struct ControllerFlagsResult {
  std::optional<ControllerConfig> config;
  int exit_code = 0;
  std::string message;
  bool message_to_stderr = false;
};

// True for addresses only this host can reach: 127.0.0.0/8, ::1, localhost, unix sockets.
bool IsLoopbackAddress(std::string_view address);

ControllerFlagsResult ParseControllerFlags(int argc, const char* const* argv,
                                           std::string_view version);

// The credentials of etcd channels from the files of --etcd-tls-*: nullptr (plaintext) when
// none is set. Reads the files: InvalidArgument naming the flag, the path and why when one
// cannot be read or used (missing, not PEM, expired, a key of another certificate).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> EtcdChannelCredentials(
    const TlsFiles& files);

// EtcdChannelCredentials(config.etcd_tls) into config.etcd_credentials.
absl::Status LoadEtcdCredentials(ControllerConfig& config);

// The etcd prefix of `--etcd-prefix` (`<cluster-name>` replaced by `cluster`); InvalidArgument
// with the reason unless it starts and ends with '/'.
absl::StatusOr<std::string> ResolveEtcdPrefix(std::string_view pattern, std::string_view cluster);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTROLLER_FLAGS_H_
