#include "node-agent/agent/agent_flags.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

// GCC 12 at -O2 reports a null dereference inside CLI11's inlined string splitting
// (CLI/StringTools.hpp, vector<string> growth); it is a false positive in library code that
// the system-header exemption does not cover once inlined here.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/flags.h"
#include "common/http/host_port.h"
#include "common/manifest/label_list.h"
#include "common/quantity.h"
#include "common/strings.h"

namespace microscale {
namespace {

// More calls than this in flight only queue inside the engine.
constexpr int kMaxEngineCalls = 64;

// The raw text of every flag, checked after CLI11 has read the command line and env.
struct RawFlags {
  std::string controller, node_name, cluster_name, http_addr, docker_host, runtime;
  std::string sim_start_delay, cpu, memory, max_containers, labels, log_format;
  std::string heartbeat_interval, port_range, publish_address, advertise_address;
  std::string max_engine_calls;
  TlsFiles tls;
};

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

AgentFlagsResult UsageError(std::string_view flag, const absl::Status& status) {
  AgentFlagsResult result;
  result.exit_code = 2;
  result.message_to_stderr = true;
  result.message = absl::StrCat("microscale-agent: --", ToAbsl(flag), ": ", status.message(),
                                "\nRun with --help for more information.\n");
  return result;
}

// Checks every raw value and fills `config`; on the first bad one returns its usage error.
std::optional<AgentFlagsResult> Convert(const RawFlags& raw, AgentConfig& config) {
  config.controller = raw.controller;
  config.node_name = raw.node_name.empty() ? Hostname() : raw.node_name;
  config.cluster_name = raw.cluster_name;
  config.http_addr = raw.http_addr;
  config.docker_host = raw.docker_host;
  config.runtime = raw.runtime;
  if (auto list = ParseAddressList(raw.controller); !list.ok())
    return UsageError("controller", list.status());
  if (auto hp = ParseHostPort(raw.http_addr); !hp.ok()) return UsageError("http-addr", hp.status());
  if (raw.cluster_name.empty()) {
    return UsageError("cluster-name", absl::InvalidArgumentError("must not be empty"));
  }
  if (raw.runtime != "docker" && raw.runtime != "sim") {
    return UsageError("runtime",
                      absl::InvalidArgumentError(absl::StrCat(
                          "\"", raw.runtime, "\" is not a runtime (expected docker or sim)")));
  }
  if (!raw.sim_start_delay.empty()) {
    auto d = ParseDuration(raw.sim_start_delay);
    if (!d.ok()) return UsageError("sim-start-delay", d.status());
    config.sim_start_delay = *d;
  }
  if (!raw.cpu.empty()) {
    auto cpu = ParseCpuMillis(raw.cpu);
    if (!cpu.ok()) return UsageError("cpu", cpu.status());
    config.cpu_millis = *cpu;
  }
  if (!raw.memory.empty()) {
    auto memory = ParseMemoryBytes(raw.memory);
    if (!memory.ok()) return UsageError("memory", memory.status());
    config.memory_bytes = *memory;
  }
  int max = 0;
  if (!absl::SimpleAtoi(raw.max_containers, &max) || max < 0) {
    return UsageError("max-containers",
                      absl::InvalidArgumentError(
                          absl::StrCat("\"", raw.max_containers, "\" is not a whole number >= 0")));
  }
  config.max_containers = max;
  int calls = 0;
  if (!absl::SimpleAtoi(raw.max_engine_calls, &calls) || calls < 1 || calls > kMaxEngineCalls) {
    return UsageError(
        "max-engine-calls",
        absl::InvalidArgumentError(absl::StrCat(
            "\"", raw.max_engine_calls, "\" is not a whole number from 1 to ", kMaxEngineCalls)));
  }
  config.max_engine_calls = calls;
  auto labels = ParseLabels(raw.labels);
  if (!labels.ok()) return UsageError("labels", labels.status());
  config.labels = *labels;
  auto format = ParseLogFormat(raw.log_format);
  if (!format.ok()) return UsageError("log-format", format.status());
  config.log_format = *format;
  auto interval = ParseDuration(raw.heartbeat_interval);
  if (!interval.ok()) return UsageError("heartbeat-interval", interval.status());
  if (*interval <= absl::ZeroDuration()) {
    return UsageError("heartbeat-interval", absl::InvalidArgumentError("must be greater than 0"));
  }
  config.heartbeat_interval = *interval;
  auto range = ParsePortRange(raw.port_range);
  if (!range.ok()) return UsageError("port-range", range.status());
  config.port_range = *range;
  if (absl::Status s = CheckAddressLiteral(raw.publish_address); !s.ok()) {
    return UsageError("publish-address", s);
  }
  config.publish_address = raw.publish_address;
  if (absl::Status s = CheckAdvertiseAddress(raw.advertise_address); !s.ok()) {
    return UsageError("advertise-address", s);
  }
  config.advertise_address = raw.advertise_address;
  if (absl::Status s = CheckTlsFlags(raw.tls, /*need_own_cert=*/true); !s.ok()) {
    AgentFlagsResult result = UsageError("tls", s);
    result.message = absl::StrCat("microscale-agent: ", s.message(),
                                  "\nRun with --help for more information.\n");
    return result;
  }
  config.tls = raw.tls;
  return std::nullopt;
}

bool ParsePort(absl::string_view text, int* port) {
  return absl::SimpleAtoi(text, port) && *port >= 1 && *port <= 65535;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseLabels(std::string_view text) {
  return ParseLabelList(text, ',');
}

absl::StatusOr<PortRange> ParsePortRange(std::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(text), '-');
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", ToAbsl(text), "\" is not a port range LO-HI, e.g. 30000-32767"));
  }
  int ports[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (!ParsePort(parts[i], &ports[i])) {
      return absl::InvalidArgumentError(absl::StrCat("\"", ToAbsl(text), "\": \"", parts[i],
                                                     "\" is not a port between 1 and 65535"));
    }
  }
  if (ports[0] > ports[1]) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", ToAbsl(text), "\": ", ports[0], " is above ", ports[1], " (LO-HI)"));
  }
  return PortRange{ports[0], ports[1]};
}

absl::Status CheckAddressLiteral(std::string_view text) {
  const std::string address(text);
  in6_addr parsed{};  // large enough for either family
  if (inet_pton(AF_INET, address.c_str(), &parsed) == 1 ||
      inet_pton(AF_INET6, address.c_str(), &parsed) == 1) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", address, "\" is not an IPv4 or IPv6 address, e.g. 0.0.0.0 or 127.0.0.1"));
}

absl::Status CheckAdvertiseAddress(std::string_view text) {
  if (text.empty() || CheckAddressLiteral(text).ok()) return absl::OkStatus();
  const bool name =
      text.size() <= 253 && std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
      });
  if (name) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("\"", ToAbsl(text),
                   "\" is neither a host name nor an IP address (no port: the ports are each "
                   "container's own)"));
}

std::string AdvertisedHost(const AgentConfig& config) {
  if (!config.advertise_address.empty()) return config.advertise_address;
  if (config.publish_address == "0.0.0.0" || config.publish_address == "::") return "";
  return config.publish_address;
}

AgentFlagsResult ParseAgentFlags(int argc, const char* const* argv, std::string_view version) {
  RawFlags raw{"127.0.0.1:7400",
               "",
               "default",
               "0.0.0.0:7402",
               "unix:///var/run/docker.sock",
               "docker",
               "",
               "",
               "",
               "0",
               "",
               "text",
               "2s",
               PortRange().ToString(),
               "0.0.0.0",
               "",
               "8",
               {}};
  CLI::App app("microscale-agent: runs the controller's containers on this host",
               "microscale-agent");
  app.set_version_flag("--version", std::string(version));
  AddEnvFlag(app, "controller", &raw.controller,
             "controller gRPC address host:port, or several separated by commas (a leader and "
             "its standbys: the agent follows the one that answers)");
  AddEnvFlag(app, "node-name", &raw.node_name, "this node's name (default: the hostname)");
  AddEnvFlag(app, "cluster-name", &raw.cluster_name, "cluster whose containers this agent manages");
  AddEnvFlag(app, "http-addr", &raw.http_addr, "listen address of /metrics and /healthz");
  AddEnvFlag(app, "docker-host", &raw.docker_host, "Docker Engine socket (docker runtime)");
  AddEnvFlag(app, "runtime", &raw.runtime, "docker | sim (simulated, in-memory containers)");
  AddEnvFlag(app, "sim-start-delay", &raw.sim_start_delay,
             "simulated start time of a container, e.g. 200ms (sim runtime only)");
  AddEnvFlag(app, "cpu", &raw.cpu, "CPU offered, e.g. 4 or 3500m (default: all cores)");
  AddEnvFlag(app, "memory", &raw.memory, "memory offered, e.g. 8Gi (default: all memory)");
  AddEnvFlag(app, "max-containers", &raw.max_containers, "container cap, 0 = none");
  AddEnvFlag(app, "labels", &raw.labels, "node labels k=v,k2=v2, matched by spec.nodeSelector");
  AddEnvFlag(app, "log-format", &raw.log_format, "text | json");
  AddEnvFlag(app, "heartbeat-interval", &raw.heartbeat_interval, "time between heartbeats");
  AddEnvFlag(
      app, "max-engine-calls", &raw.max_engine_calls,
      absl::StrCat("engine calls (create, start, stop...) in flight at once, 1-", kMaxEngineCalls,
                   "; more start a burst of containers sooner on an engine with cores to "
                   "spare"));
  AddEnvFlag(app, "port-range", &raw.port_range,
             "host ports LO-HI for publishing spec.ports of containers on network bridge");
  AddEnvFlag(app, "publish-address", &raw.publish_address,
             "host address (IPv4 or IPv6) that published ports bind to, e.g. 127.0.0.1");
  AddEnvFlag(app, "advertise-address", &raw.advertise_address,
             "host (name or IP) clients reach published ports at, as endpoints list it "
             "(default: --publish-address when specific, else the address the agent connects "
             "from)");
  AddEnvFlag(app, "tls-cert", &raw.tls.cert,
             "PEM client certificate for the controller (turns on TLS; needs --tls-key, --tls-ca)");
  AddEnvFlag(app, "tls-key", &raw.tls.key, "PEM private key of --tls-cert");
  AddEnvFlag(app, "tls-ca", &raw.tls.ca, "PEM CA bundle that signed the controller's certificate");
  AgentFlagsResult result;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.message = app.help();
    return result;
  } catch (const CLI::CallForVersion&) {
    result.message = absl::StrCat("microscale-agent ", ToAbsl(version), "\n");
    return result;
  } catch (const CLI::ParseError& e) {
    result.exit_code = 2;
    result.message_to_stderr = true;
    result.message =
        absl::StrCat("microscale-agent: ", e.what(), "\nRun with --help for more information.\n");
    return result;
  }
  AgentConfig config;
  if (auto error = Convert(raw, config)) {
    error->message = NameEnvSource(error->message, argc, argv);
    return *error;
  }
  result.config = std::move(config);
  return result;
}

}  // namespace microscale
