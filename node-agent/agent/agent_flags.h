// The command line of microscale-agent (DESIGN.md "Flags of the daemons").
//
// Every flag has an env twin MICROSCALE_<FLAG> (--node-name <-> MICROSCALE_NODE_NAME); the
// command line wins. Values are checked here, so a bad one is a usage error (exit 2) whose
// message names the flag. Pure apart from reading the environment and the hostname.
#ifndef MICROSCALE_NODE_AGENT_AGENT_AGENT_FLAGS_H_
#define MICROSCALE_NODE_AGENT_AGENT_AGENT_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/tls/tls_credentials.h"
#include "node-agent/core/port_range.h"

namespace microscale {

struct AgentConfig {
  std::string controller = "127.0.0.1:7400";
  std::string node_name;  // default: the hostname
  std::string cluster_name = "default";
  std::string http_addr = "0.0.0.0:7402";
  std::string docker_host = "unix:///var/run/docker.sock";
  std::string runtime = "docker";  // docker | sim
  absl::Duration sim_start_delay = absl::ZeroDuration();
  int64_t cpu_millis = 0;    // 0: all the host's cores
  int64_t memory_bytes = 0;  // 0: all the host's memory
  int32_t max_containers = 0;
  std::map<std::string, std::string> labels;
  LogFormat log_format = LogFormat::kText;
  absl::Duration heartbeat_interval = absl::Seconds(2);
  // Engine calls (create, start, stop, ...) in flight at once. On 2 cores, 20 starts took a
  // median 4.4 s with 4 in flight and 3.9 s with 8 (docs/benchmarks.md).
  int32_t max_engine_calls = 8;
  PortRange port_range = {};  // host ports containers' ports are published on
  std::string publish_address = "0.0.0.0";
  std::string advertise_address;  // empty: see AdvertisedHost

  TlsFiles tls;  // all empty: plaintext to the controller
};

// What parsing the command line decided: run with `config`, or exit with `exit_code` after
// printing `message` (to stdout for --help/--version, to stderr for usage errors).
struct AgentFlagsResult {
  std::optional<AgentConfig> config;
  int exit_code = 0;
  std::string message;
  bool message_to_stderr = false;
};

// The host the agent reports for its published ports (Hello.advertise_address):
// --advertise-address, else --publish-address unless it is a wildcard (0.0.0.0, ::), else
// empty (the controller uses the address the agent connects from).
std::string AdvertisedHost(const AgentConfig& config);

AgentFlagsResult ParseAgentFlags(int argc, const char* const* argv, std::string_view version);

// "k=v,k2=v2" -> {k: v, k2: v2}; "" -> {}. InvalidArgument for an item without '=' or key.
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(std::string_view text);

// "LO-HI" -> {LO, HI}: both ports (1-65535), LO <= HI. InvalidArgument saying what is wrong.
absl::StatusOr<PortRange> ParsePortRange(std::string_view text);

// OK for an IPv4 or IPv6 address literal ("0.0.0.0", "127.0.0.1", "::"); InvalidArgument
// otherwise (a host name, brackets, a port).
absl::Status CheckAddressLiteral(std::string_view text);
// Empty, an IP address or a host name (letters, digits, '-' and '.'): InvalidArgument else.
absl::Status CheckAdvertiseAddress(std::string_view text);

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_AGENT_FLAGS_H_
