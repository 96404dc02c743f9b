// microscale-agent: runs the controller's containers on this host. Only wiring lives here.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "common/http/http_server.h"
#include "common/lock_checks.h"
#include "common/log.h"
#include "common/shutdown_deadline.h"
#include "node-agent/agent/agent_flags.h"
#include "node-agent/agent/agent_metrics.h"
#include "node-agent/agent/agent_session.h"
#include "node-agent/agent/command_log.h"
#include "node-agent/agent/runtime_factory.h"
#include "prometheus/registry.h"

namespace microscale {
namespace {

AgentSessionOptions SessionOptions(const AgentConfig& config, bool runtime_observes_calls) {
  AgentSessionOptions options;
  options.controller = config.controller;
  options.node_name = config.node_name;
  options.cluster = config.cluster_name;
  options.labels = config.labels;
  options.agent_version = MICROSCALE_VERSION;
  options.cpu_millis = config.cpu_millis;
  options.memory_bytes = config.memory_bytes;
  options.max_containers = config.max_containers;
  options.host_ports = config.port_range.Size();
  options.advertise_address = AdvertisedHost(config);
  options.heartbeat_interval = config.heartbeat_interval;
  options.max_runtime_calls = config.max_engine_calls;
  options.observe_runtime_calls = !runtime_observes_calls;
  return options;
}

// Blocks SIGTERM and SIGINT in every thread; a dedicated thread waits for them instead.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int RunAgent(const AgentConfig& config) {
  LogConfigure(config.log_format);
  SkipLockOrderChecksInRelease();
  sigset_t stop_signals = BlockStopSignals();
  // Armed by the stop signal; declared first, so it is disarmed last, after every part
  // below has stopped: an orderly stop exits 0 within kShutdownLimit, or the process
  // exits 1.
  ShutdownDeadline deadline("agent", kShutdownLimit);
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(*registry);
  absl::StatusOr<BuiltRuntime> built = MakeRuntime(config, &metrics);
  if (!built.ok()) {
    LogError("cannot create the container runtime",
             {{"runtime", config.runtime}, {"error", built.status()}});
    return 1;
  }
  HttpServerOptions http_options;
  http_options.address = config.http_addr;
  http_options.registry = registry;
  HttpServer http(http_options);
  CommandLog command_log;
  http.Handle("GET", "/debug/commands", [&command_log](const HttpRequest&) {
    HttpResponse response;
    response.content_type = "application/json";
    response.body = command_log.Json();
    return response;
  });
  if (absl::Status s = http.Start(); !s.ok()) {
    LogError("cannot serve HTTP", {{"addr", config.http_addr}, {"error", s}});
    return 1;
  }
  AgentSessionOptions session_options = SessionOptions(config, built->observes_calls);
  session_options.command_log = &command_log;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(config.tls);
  if (!credentials.ok()) {
    LogError("cannot load the TLS files", {{"error", credentials.status()}});
    return 1;
  }
  session_options.credentials = *std::move(credentials);
  if (config.tls.enabled()) {
    session_options.reload_credentials = [files = config.tls] {
      return MakeChannelCredentials(files);
    };
  }
  AgentSession session(std::move(session_options), built->runtime.get(), &metrics);
  LogInfo("agent started", {{"version", MICROSCALE_VERSION},
                            {"node", config.node_name},
                            {"cluster", config.cluster_name},
                            {"runtime", built->runtime->Name()},
                            {"controller", config.controller},
                            {"tls", config.tls.enabled() ? "mTLS" : "off"},
                            {"http_port", http.port()}});
  std::thread signals([&session, &deadline, stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    deadline.Arm();
    LogInfo("stopping on signal; containers keep running", {{"signal", signal}});
    session.Shutdown();
  });
  session.Run();
  signals.join();
  http.Stop();
  return 0;
}

}  // namespace
}  // namespace microscale

int main(int argc, char** argv) {
  microscale::AgentFlagsResult flags = microscale::ParseAgentFlags(argc, argv, MICROSCALE_VERSION);
  if (!flags.config) {
    std::fputs(flags.message.c_str(), flags.message_to_stderr ? stderr : stdout);
    return flags.exit_code;
  }
  return microscale::RunAgent(*flags.config);
}
