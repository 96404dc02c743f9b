// Fuzzes the command lines of the three binaries: the input, split on '\0', is an argument
// vector given to ParseControllerFlags (microscale-controller), ParseAgentFlags
// (microscale-agent) and ParseCliOnly (microscalectl: parsing only, no controller is
// dialed). Nothing may crash, throw or hang; beyond that:
//  - every outcome is run (exit 0 with a config), stop (exit 0: --help or --version, with
//    text) or a usage error (exit 2, on stderr, naming --help);
//  - an accepted config holds only checked values: addresses that are host:port, non-empty
//    names, positive durations and intervals, non-negative resources, known choices.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/run.h"
#include "common/http/host_port.h"
#include "controller/server/controller_flags.h"
#include "node-agent/agent/agent_flags.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using microscale::fuzz::FuzzCheck;

constexpr size_t kMaxArgs = 64;

bool IsHostPort(const std::string& address) { return microscale::ParseHostPort(address).ok(); }

template <typename Result>
void CheckOutcome(const Result& result, std::string_view input) {
  if (result.exit_code == 2) {
    FuzzCheck(!result.config.has_value() && result.message_to_stderr &&
                  result.message.find("--help") != std::string::npos,
              "a usage error goes to stderr, names --help and has no config", input);
    return;
  }
  FuzzCheck(result.exit_code == 0, "the exit code is 0 or 2", input);
  FuzzCheck(result.config.has_value() != !result.message.empty(),
            "exit 0 is either a config or a message (--help, --version)", input);
}

void CheckController(const std::vector<const char*>& argv, std::string_view input) {
  microscale::ControllerFlagsResult result =
      microscale::ParseControllerFlags(static_cast<int>(argv.size()), argv.data(), "0.0.0-fuzz");
  CheckOutcome(result, input);
  if (!result.config.has_value()) return;
  const microscale::ControllerConfig& c = *result.config;
  FuzzCheck(IsHostPort(c.grpc_addr) && IsHostPort(c.http_addr), "controller addresses", input);
  FuzzCheck(!c.data_dir.empty() && !c.cluster_name.empty() && c.store == "sqlite",
            "controller names", input);
  FuzzCheck(c.node_timeout > absl::ZeroDuration() && c.startup_grace >= absl::ZeroDuration(),
            "controller durations", input);
}

void CheckAgent(const std::vector<const char*>& argv, std::string_view input) {
  microscale::AgentFlagsResult result =
      microscale::ParseAgentFlags(static_cast<int>(argv.size()), argv.data(), "0.0.0-fuzz");
  CheckOutcome(result, input);
  if (!result.config.has_value()) return;
  const microscale::AgentConfig& c = *result.config;
  FuzzCheck(IsHostPort(c.controller) && IsHostPort(c.http_addr), "agent addresses", input);
  FuzzCheck(!c.node_name.empty() && !c.cluster_name.empty(), "agent names", input);
  FuzzCheck(c.runtime == "docker" || c.runtime == "sim", "agent runtime", input);
  FuzzCheck(c.cpu_millis >= 0 && c.memory_bytes >= 0 && c.max_containers >= 0, "agent resources",
            input);
  FuzzCheck(
      c.heartbeat_interval > absl::ZeroDuration() && c.sim_start_delay >= absl::ZeroDuration(),
      "agent durations", input);
  for (const auto& [key, value] : c.labels) FuzzCheck(!key.empty(), "label keys", input);
  FuzzCheck(c.port_range.first >= 1 && c.port_range.first <= c.port_range.last &&
                c.port_range.last <= 65535,
            "agent port range", input);
  FuzzCheck(!c.publish_address.empty(), "agent publish address", input);
}

void CheckCtl(const std::vector<const char*>& argv, std::string_view input) {
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in;
  microscale::cli::CliIo io{out, err, in, false};
  microscale::cli::ParsedCommandLine parsed =
      microscale::cli::ParseCliOnly(static_cast<int>(argv.size()), argv.data(), io);
  if (parsed.runs_command) {
    FuzzCheck(parsed.exit_code == 0 && err.str().empty(), "a command runs without errors", input);
    FuzzCheck(!parsed.global.controller.empty() && parsed.global.timeout > absl::ZeroDuration(),
              "microscalectl global options", input);
    return;
  }
  if (parsed.exit_code == microscale::cli::kExitUsage) {
    FuzzCheck(err.str().rfind("Error: ", 0) == 0 && err.str().find("--help") != std::string::npos,
              "a usage error says Error: and names --help", input);
    return;
  }
  FuzzCheck(parsed.exit_code == 0 && !out.str().empty(), "help and version print text", input);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The env twins of the flags (MICROSCALE_*) would make runs depend on the environment.
  std::vector<std::string> names;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view variable(*entry);
    if (variable.rfind("MICROSCALE_", 0) == 0) {
      names.emplace_back(variable.substr(0, variable.find('=')));
    }
  }
  for (const std::string& name : names) unsetenv(name.c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args = {"binary"};
  size_t start = 0;
  while (start <= input.size() && args.size() <= kMaxArgs) {
    size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    args.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  if (input.empty()) args.pop_back();
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  CheckController(argv, input);
  CheckAgent(argv, input);
  CheckCtl(argv, input);
  return 0;
}
