// scale_load_driver: N simulated nodes in one process, each a real agent.
//
// Every node is an AgentSession (the agent's own controller stream: Hello, heartbeats,
// commands, results) over a SimulatedContainerRuntime, dialling the controller given by
// --controller like `microscale-agent --runtime=sim` would. It is for the control-plane
// scale benchmark (bench/scale/scale.sh): a thousand agents cost one process instead of a
// thousand.
//
// While it runs it prints to stdout, whenever a figure changes (checked every
// --report-ms), one line:
//   t_ms=<unix ms> connected=<nodes with a live stream> live=<simulated containers>
//   calls=<starts+stops>
// It stops on SIGINT or SIGTERM (the simulated containers vanish with it).
#include <pthread.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/scale/counting_runtime.h"
#include "common/futex_hash.h"
#include "common/lock_checks.h"
#include "common/log.h"
#include "common/quantity.h"
#include "node-agent/agent/agent_session.h"
#include "node-agent/sim/sim_runtime.h"

namespace microscale {
namespace {

struct Flags {
  std::string controller = "127.0.0.1:7400";
  std::string cluster = "default";
  std::string node_prefix = "sim-";
  int nodes = 100;
  std::string cpu = "64";
  std::string memory = "256Gi";
  int max_containers = 0;
  int heartbeat_ms = 2000;
  int start_delay_ms = 0;
  int runtime_calls = 2;
  int report_ms = 50;
  int connect_spread_ms = 2000;
};

struct SimNode {
  std::unique_ptr<CountingRuntime> runtime;
  std::unique_ptr<AgentSession> session;  // after the runtime: destroyed first
  std::thread thread;
};

AgentSessionOptions SessionOptions(const Flags& flags, int index, int64_t cpu_millis,
                                   int64_t memory_bytes) {
  AgentSessionOptions options;
  options.controller = flags.controller;
  options.node_name = absl::StrCat(flags.node_prefix, index);
  options.cluster = flags.cluster;
  options.labels = {{"simulated", "true"}};
  options.agent_version = "scale-load-driver";
  options.cpu_millis = cpu_millis;
  options.memory_bytes = memory_bytes;
  options.max_containers = flags.max_containers;
  options.heartbeat_interval = absl::Milliseconds(flags.heartbeat_ms);
  options.max_runtime_calls = flags.runtime_calls;
  return options;
}

std::unique_ptr<SimNode> StartNode(const Flags& flags, int index, int64_t cpu_millis,
                                   int64_t memory_bytes) {
  auto node = std::make_unique<SimNode>();
  SimRuntimeOptions sim;
  sim.node = absl::StrCat(flags.node_prefix, index);
  sim.cpu_millis = cpu_millis;
  sim.memory_bytes = memory_bytes;
  sim.start_delay = absl::Milliseconds(flags.start_delay_ms);
  node->runtime =
      std::make_unique<CountingRuntime>(std::make_unique<SimulatedContainerRuntime>(sim));
  node->session = std::make_unique<AgentSession>(
      SessionOptions(flags, index, cpu_millis, memory_bytes), node->runtime.get(), nullptr);
  node->thread = std::thread([session = node->session.get()] { session->Run(); });
  return node;
}

std::string Report(const std::vector<std::unique_ptr<SimNode>>& nodes) {
  size_t connected = 0, live = 0, calls = 0;
  for (const auto& n : nodes) {
    connected += n->session->connected() ? 1 : 0;
    live += n->runtime->live();
    calls += n->runtime->calls();
  }
  return absl::StrCat("connected=", connected, " live=", live, " calls=", calls);
}

// Prints a report line whenever the figures change, until `stop`.
void ReportLoop(const std::vector<std::unique_ptr<SimNode>>& nodes, int report_ms,
                const std::atomic<bool>& stop) {
  std::string last;
  while (!stop.load()) {
    std::string now = Report(nodes);
    if (now != last) {
      std::printf("t_ms=%lld %s\n", static_cast<long long>(absl::ToUnixMillis(absl::Now())),
                  now.c_str());
      std::fflush(stdout);
      last = std::move(now);
    }
    absl::SleepFor(absl::Milliseconds(report_ms));
  }
}

int Run(const Flags& flags) {
  absl::StatusOr<int64_t> cpu = ParseCpuMillis(flags.cpu);
  absl::StatusOr<int64_t> memory = ParseMemoryBytes(flags.memory);
  if (!cpu.ok() || !memory.ok()) {
    std::fprintf(stderr, "scale_load_driver: bad --cpu or --memory\n");
    return 2;
  }
  LogConfigure(LogFormat::kText, LogLevel::kWarn);
  SkipLockOrderChecksInRelease();  // as the agent does
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::vector<std::unique_ptr<SimNode>> nodes;
  nodes.reserve(static_cast<size_t>(flags.nodes));
  const absl::Duration spread =
      absl::Milliseconds(flags.connect_spread_ms) / std::max(flags.nodes, 1);
  for (int i = 0; i < flags.nodes; ++i) {
    nodes.push_back(StartNode(flags, i, *cpu, *memory));
    absl::SleepFor(spread);
  }
  std::atomic<bool> stop{false};
  std::thread reporter([&] { ReportLoop(nodes, flags.report_ms, stop); });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  stop = true;
  reporter.join();
  for (auto& n : nodes) n->session->Shutdown();
  for (auto& n : nodes) n->thread.join();
  nodes.clear();
  return 0;
}

}  // namespace
}  // namespace microscale

int main(int argc, char** argv) {
  microscale::Flags flags;
  CLI::App app{"scale_load_driver: N simulated agents (real AgentSession streams) in one process"};
  app.add_option("--controller", flags.controller, "controller gRPC address host:port");
  app.add_option("--cluster", flags.cluster, "cluster name the controller runs with");
  app.add_option("--nodes", flags.nodes, "number of simulated nodes")->check(CLI::Range(1, 100000));
  app.add_option("--node-prefix", flags.node_prefix, "node names are <prefix><index>");
  app.add_option("--cpu", flags.cpu, "CPU each node offers, e.g. 64 or 3500m");
  app.add_option("--memory", flags.memory, "memory each node offers, e.g. 256Gi");
  app.add_option("--max-containers", flags.max_containers, "per-node container cap (0: none)");
  app.add_option("--heartbeat-ms", flags.heartbeat_ms, "heartbeat interval of every node");
  app.add_option("--start-delay-ms", flags.start_delay_ms, "simulated start time of a container");
  app.add_option("--runtime-calls", flags.runtime_calls, "runtime calls in flight per node");
  app.add_option("--report-ms", flags.report_ms, "how often the figures are checked");
  app.add_option("--connect-spread-ms", flags.connect_spread_ms,
                 "the nodes start evenly over this time");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // About 6,000 threads (several per simulated node): see common/futex_hash.h.
  if (absl::Status s = microscale::UseGlobalFutexHash(); !s.ok()) {
    std::fprintf(stderr, "scale_load_driver: %s\n", s.ToString().c_str());
  }
  return microscale::Run(flags);
}
