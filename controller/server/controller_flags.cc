#include "controller/server/controller_flags.h"

#include <CLI/CLI.hpp>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/flags.h"
#include "common/http/host_port.h"
#include "common/quantity.h"
#include "common/strings.h"
#include "controller/store/etcd_client.h"

namespace microscale {
namespace {

struct RawFlags {
  std::string grpc_addr = "127.0.0.1:7400";
  std::string http_addr = "0.0.0.0:7401";
  std::string data_dir = "./microscale-data";
  std::string store = "sqlite";
  std::string etcd_prefix = "/microscale/<cluster-name>/";
  std::string leader_lease = "5s";
  std::string advertise_addr;
  std::string cluster_name = "default";
  std::string node_timeout = "10s";
  std::string startup_grace = "10s";
  std::string node_gc = "1h";
  std::string placement = "spread";
  std::string log_format = "text";
  std::string max_apps = "10000";
  std::string max_heartbeats = "100";
  bool allow_host_network = false;
  TlsFiles etcd_tls;
  TlsFiles tls;
  bool insecure = false;
  bool tls_allow_any_node_name = false;
};

ControllerFlagsResult UsageError(std::string_view flag, std::string_view why) {
  ControllerFlagsResult result;
  result.exit_code = 2;
  result.message_to_stderr = true;
  result.message = absl::StrCat("microscale-controller: ", flag.empty() ? "" : "--", ToAbsl(flag),
                                flag.empty() ? "" : ": ", ToAbsl(why),
                                "\nRun with --help for more information.\n");
  return result;
}

std::optional<ControllerFlagsResult> Convert(const RawFlags& raw, ControllerConfig& config) {
  if (auto hp = ParseHostPort(raw.grpc_addr); !hp.ok()) {
    return UsageError("grpc-addr", ToStd(hp.status().message()));
  }
  if (auto hp = ParseHostPort(raw.http_addr); !hp.ok()) {
    return UsageError("http-addr", ToStd(hp.status().message()));
  }
  config.grpc_addr = raw.grpc_addr;
  config.http_addr = raw.http_addr;
  if (raw.data_dir.empty()) return UsageError("data-dir", "must not be empty");
  config.data_dir = raw.data_dir;
  if (raw.store != "sqlite") {
    absl::StatusOr<std::vector<std::string>> endpoints = ParseEtcdUrl(raw.store);
    if (!endpoints.ok()) return UsageError("store", ToStd(endpoints.status().message()));
    config.etcd_endpoints = *std::move(endpoints);
  }
  config.store = raw.store;
  if (raw.cluster_name.empty()) return UsageError("cluster-name", "must not be empty");
  config.cluster_name = raw.cluster_name;
  absl::StatusOr<std::string> prefix = ResolveEtcdPrefix(raw.etcd_prefix, raw.cluster_name);
  if (!prefix.ok()) return UsageError("etcd-prefix", ToStd(prefix.status().message()));
  config.etcd_prefix = *std::move(prefix);
  auto lease = ParseDuration(raw.leader_lease);
  if (!lease.ok()) return UsageError("leader-lease", ToStd(lease.status().message()));
  if (*lease < absl::Seconds(2) || *lease > absl::Minutes(5) ||
      *lease != absl::Trunc(*lease, absl::Seconds(1))) {
    return UsageError("leader-lease", absl::StrCat("must be whole seconds from 2s to 5m (got \"",
                                                   raw.leader_lease, "\")"));
  }
  config.leader_lease = *lease;
  if (raw.etcd_tls.enabled() && config.etcd_endpoints.empty()) {
    return UsageError("",
                      "--etcd-tls-cert, --etcd-tls-key and --etcd-tls-ca only mean "
                      "something with --store etcd://...");
  }
  if (absl::Status s = CheckTlsFlags(raw.etcd_tls, /*need_own_cert=*/false, "etcd-tls"); !s.ok()) {
    return UsageError("", ToStd(s.message()));
  }
  config.etcd_tls = raw.etcd_tls;
  config.advertise_addr = raw.advertise_addr.empty() ? raw.grpc_addr : raw.advertise_addr;
  if (auto hp = ParseHostPort(config.advertise_addr); !hp.ok()) {
    return UsageError("advertise-addr", ToStd(hp.status().message()));
  }
  auto timeout = ParseDuration(raw.node_timeout);
  if (!timeout.ok()) return UsageError("node-timeout", ToStd(timeout.status().message()));
  if (*timeout <= absl::ZeroDuration()) return UsageError("node-timeout", "must be greater than 0");
  config.node_timeout = *timeout;
  auto grace = ParseDuration(raw.startup_grace);
  if (!grace.ok()) return UsageError("startup-grace", ToStd(grace.status().message()));
  config.startup_grace = *grace;
  auto gc = ParseDuration(raw.node_gc);
  if (!gc.ok()) return UsageError("node-gc", ToStd(gc.status().message()));
  if (*gc < absl::ZeroDuration()) return UsageError("node-gc", "must not be negative");
  config.node_gc = *gc;
  if (raw.placement == "spread") {
    config.placement = core::PlacementStrategy::kSpread;
  } else if (raw.placement == "binpack") {
    config.placement = core::PlacementStrategy::kBinpack;
  } else {
    return UsageError(
        "placement", absl::StrCat("\"", raw.placement, "\" is not a strategy (spread or binpack)"));
  }
  auto format = ParseLogFormat(raw.log_format);
  if (!format.ok()) return UsageError("log-format", ToStd(format.status().message()));
  config.log_format = *format;
  config.allow_host_network = raw.allow_host_network;
  if (absl::Status s = CheckTlsFlags(raw.tls, /*need_own_cert=*/true); !s.ok()) {
    return UsageError("", ToStd(s.message()));
  }
  config.tls = raw.tls;
  config.insecure = raw.insecure;
  if (raw.tls_allow_any_node_name && !config.tls.enabled()) {
    return UsageError("tls-allow-any-node-name",
                      "only means something with TLS on (--tls-cert, --tls-key, --tls-ca)");
  }
  config.tls_allow_any_node_name = raw.tls_allow_any_node_name;
  if (!config.tls.enabled() && !config.insecure && !IsLoopbackAddress(config.grpc_addr)) {
    return UsageError(
        "grpc-addr",
        absl::StrCat(raw.grpc_addr,
                     " can be reached from other hosts, and without TLS anyone who reaches it "
                     "could join as an agent or drive the cluster: serve it with --tls-cert, "
                     "--tls-key and --tls-ca (see scripts/make-test-ca), or pass --insecure to "
                     "accept that"));
  }
  if (!absl::SimpleAtoi(raw.max_apps, &config.max_apps) || config.max_apps < 1) {
    return UsageError("max-apps",
                      absl::StrCat("\"", raw.max_apps, "\" is not a whole number >= 1"));
  }
  if (!absl::SimpleAtod(raw.max_heartbeats, &config.max_heartbeats_per_second) ||
      !std::isfinite(config.max_heartbeats_per_second) || config.max_heartbeats_per_second < 0) {
    return UsageError("max-heartbeats-per-second",
                      absl::StrCat("\"", raw.max_heartbeats,
                                   "\" is not a number >= 0 (0: agents keep their own interval)"));
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::string> ResolveEtcdPrefix(std::string_view pattern, std::string_view cluster) {
  std::string prefix = absl::StrReplaceAll(ToAbsl(pattern), {{"<cluster-name>", ToAbsl(cluster)}});
  if (prefix.empty() || prefix.front() != '/' || prefix.back() != '/' ||
      prefix.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must start and end with '/', like /microscale/prod/ (got \"", ToAbsl(pattern), "\")"));
  }
  return prefix;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> EtcdChannelCredentials(
    const TlsFiles& files) {
  if (!files.enabled()) return nullptr;
  return MakeChannelCredentials(files, "etcd-tls");
}

absl::Status LoadEtcdCredentials(ControllerConfig& config) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      EtcdChannelCredentials(config.etcd_tls);
  if (!credentials.ok()) return credentials.status();
  config.etcd_credentials = *std::move(credentials);
  return absl::OkStatus();
}

bool IsLoopbackAddress(std::string_view address) {
  if (address.substr(0, 5) == "unix:") return true;
  absl::StatusOr<HostPort> hp = ParseHostPort(address);
  if (!hp.ok()) return false;
  const std::string& host = hp->host;
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

ControllerFlagsResult ParseControllerFlags(int argc, const char* const* argv,
                                           std::string_view version) {
  RawFlags raw;
  CLI::App app(
      "microscale-controller: turns demand into container counts, shares capacity by "
      "priority and drives the node agents",
      "microscale-controller");
  app.footer(
      "\nSubcommands:\n  token create|list|revoke   API tokens for microscalectl "
      "(microscale-controller token --help)\n\nSecurity: docs/security.md (TLS, tokens, limits).");
  app.set_version_flag("--version", std::string(version));
  AddEnvFlag(
      app, "grpc-addr", &raw.grpc_addr,
      "gRPC listen address for agents and microscalectl (0.0.0.0:7400 to serve other hosts)");
  AddEnvFlag(app, "http-addr", &raw.http_addr, "listen address of /metrics, /healthz, /readyz");
  AddEnvFlag(app, "data-dir", &raw.data_dir, "directory of the state database");
  AddEnvFlag(app, "store", &raw.store,
             "state store: sqlite (in --data-dir) or etcd://host:port[,host:port...]");
  AddEnvFlag(app, "etcd-prefix", &raw.etcd_prefix,
             "with --store etcd://: the prefix of every key; <cluster-name> is replaced");
  AddEnvFlag(app, "leader-lease", &raw.leader_lease,
             "with --store etcd://: a leader that cannot renew its lease for this long is "
             "replaced by a standby");
  AddEnvFlag(app, "etcd-tls-cert", &raw.etcd_tls.cert,
             "with --store etcd://: PEM client certificate for etcd (with --etcd-tls-key)");
  AddEnvFlag(app, "etcd-tls-key", &raw.etcd_tls.key, "PEM private key of --etcd-tls-cert");
  AddEnvFlag(app, "etcd-tls-ca", &raw.etcd_tls.ca,
             "PEM CA bundle that signs etcd's certificate (turns on TLS to etcd)");
  AddEnvFlag(app, "advertise-addr", &raw.advertise_addr,
             "the address other controllers show for this one (default: --grpc-addr)");
  AddEnvFlag(app, "cluster-name", &raw.cluster_name, "name of the cluster agents must join");
  AddEnvFlag(app, "node-timeout", &raw.node_timeout,
             "a node silent this long is NotReady and its containers are replaced");
  AddEnvFlag(app, "startup-grace", &raw.startup_grace,
             "after a restart, wait this long for agents before replacing their containers");
  AddEnvFlag(app, "node-gc", &raw.node_gc,
             "forget a node that stays NotReady this long (0: never); `microscalectl delete "
             "node` forgets one at once");
  AddEnvFlag(app, "placement", &raw.placement, "spread | binpack");
  AddEnvFlag(app, "log-format", &raw.log_format, "text | json");
  AddEnvFlag(app, "max-apps", &raw.max_apps, "apply refuses to hold more apps than this");
  AddEnvFlag(app, "max-heartbeats-per-second", &raw.max_heartbeats,
             "agents heartbeat every 2 s until the nodes together would send more than this; "
             "beyond, each less often (a node is then NotReady after 3 of its intervals, if "
             "longer than --node-timeout); 0: every agent keeps its own interval");
  app.add_flag("--allow-host-network", raw.allow_host_network,
               "accept apps with spec.network: host")
      ->envname(FlagEnvName("allow-host-network"));
  AddEnvFlag(app, "tls-cert", &raw.tls.cert,
             "PEM certificate the gRPC port serves (turns on TLS; needs --tls-key, --tls-ca)");
  AddEnvFlag(app, "tls-key", &raw.tls.key, "PEM private key of --tls-cert");
  AddEnvFlag(app, "tls-ca", &raw.tls.ca,
             "PEM CA bundle that signs agent certificates; agents without one are refused");
  app.add_flag("--tls-allow-any-node-name", raw.tls_allow_any_node_name,
               "accept any agent certificate of --tls-ca for any node name (default: the "
               "name must be the certificate's CN or a DNS SAN)")
      ->envname(FlagEnvName("tls-allow-any-node-name"));
  app.add_flag("--insecure", raw.insecure,
               "allow a plaintext gRPC port on a non-loopback --grpc-addr (logged as a warning)")
      ->envname(FlagEnvName("insecure"));
  ControllerFlagsResult result;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.message = app.help();
    return result;
  } catch (const CLI::CallForVersion&) {
    result.message = absl::StrCat("microscale-controller ", ToAbsl(version), "\n");
    return result;
  } catch (const CLI::ParseError& e) {
    return UsageError("", e.what());
  }
  ControllerConfig config;
  if (auto error = Convert(raw, config)) {
    error->message = NameEnvSource(error->message, argc, argv);
    return *error;
  }
  result.config = std::move(config);
  return result;
}

}  // namespace microscale
