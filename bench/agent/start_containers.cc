// start_containers: times starting N containers on this node through a ContainerRuntime,
// with the agent's bounded parallelism (at most 8 engine calls in flight by default, as the
// agent's --max-engine-calls).
//
// Prints one line "start_ms=<wall ms> count=<N> parallel=<P> runtime=<name>" on success.
// With --cleanup it stops every container it started afterwards (not timed); with
// --breakdown it prints the median duration of each Docker call to stderr. Exit 1 when any
// start fails (the failure goes to stderr). Used by bench/agent/start20.sh.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/docker/docker_runtime.h"
#include "node-agent/sim/sim_runtime.h"

namespace {

struct Flags {
  std::string runtime = "docker";
  std::string docker_host = "unix:///var/run/docker.sock";
  std::string cluster = "bench";
  std::string node = "bench-node";
  std::string app = "bench";
  std::string image = "microscale/demo:latest";
  std::string network;  // empty: the default bridge
  int count = 20;
  int parallel = 8;
  int64_t cpu_millis = 250;
  int64_t memory_bytes = 64 << 20;
  bool cleanup = false;
  bool breakdown = false;
};

// Durations of each Docker call by operation, as the agent's metrics would see them.
class CallLog {
 public:
  void Record(std::string_view op, absl::Duration d) {
    absl::MutexLock lock(&mu_);
    ms_[std::string(op)].push_back(absl::ToDoubleMilliseconds(d));
  }
  void Print() {
    absl::MutexLock lock(&mu_);
    for (auto& [op, v] : ms_) {
      std::sort(v.begin(), v.end());
      std::fprintf(stderr, "  %-8s calls=%zu p50=%.1f ms max=%.1f ms\n", op.c_str(), v.size(),
                   v[v.size() / 2], v.back());
    }
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::vector<double>> ms_ ABSL_GUARDED_BY(mu_);
};

std::unique_ptr<microscale::ContainerRuntime> MakeRuntime(const Flags& flags, CallLog* log) {
  if (flags.runtime == "sim") {
    microscale::SimRuntimeOptions options;
    options.node = flags.node;
    return std::make_unique<microscale::SimulatedContainerRuntime>(options);
  }
  microscale::DockerRuntimeOptions options;
  options.docker_host = flags.docker_host;
  options.cluster = flags.cluster;
  options.node = flags.node;
  options.observer = [log](std::string_view op, absl::Duration d, bool) { log->Record(op, d); };
  return std::make_unique<microscale::DockerContainerRuntime>(options);
}

microscale::v1::ContainerSpec MakeSpec(const Flags& flags) {
  microscale::v1::ContainerSpec spec;
  spec.set_app(flags.app);
  spec.set_image(flags.image);
  spec.set_network(flags.network);
  spec.mutable_resources()->set_cpu_millis(flags.cpu_millis);
  spec.mutable_resources()->set_memory_bytes(flags.memory_bytes);
  spec.set_priority(10);
  spec.set_stop_timeout_seconds(2);
  return spec;
}

// Runs fn(i) for i in [0, count) on `parallel` threads; returns the number of failures.
template <typename Fn>
int ForEachParallel(int count, int parallel, Fn fn) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        if (!fn(i)) ++failures;
      }
    });
  }
  for (auto& t : workers) t.join();
  return failures.load();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App cli{"Times starting N containers through a Microscale container runtime."};
  cli.add_option("--runtime", flags.runtime, "docker or sim")
      ->check(CLI::IsMember({"docker", "sim"}));
  cli.add_option("--docker-host", flags.docker_host, "Docker Engine socket");
  cli.add_option("--cluster", flags.cluster, "cluster label of the containers");
  cli.add_option("--node", flags.node, "node label of the containers");
  cli.add_option("--app", flags.app, "app name; instances are <app>-<i>");
  cli.add_option("--image", flags.image, "image to run");
  cli.add_option("--network", flags.network, "network mode: bridge (default), host or none");
  cli.add_option("--count", flags.count, "containers to start")->check(CLI::Range(1, 10000));
  cli.add_option("--parallel", flags.parallel, "starts in flight")->check(CLI::Range(1, 64));
  cli.add_option("--cpu-millis", flags.cpu_millis, "CPU limit per container");
  cli.add_option("--memory-bytes", flags.memory_bytes, "memory limit per container");
  cli.add_flag("--cleanup", flags.cleanup, "stop the containers afterwards (not timed)");
  cli.add_flag("--breakdown", flags.breakdown, "print the median of each Docker call");
  CLI11_PARSE(cli, argc, argv);

  CallLog calls;
  std::unique_ptr<microscale::ContainerRuntime> runtime = MakeRuntime(flags, &calls);
  microscale::v1::ContainerSpec spec = MakeSpec(flags);
  auto begin = std::chrono::steady_clock::now();
  int failures = ForEachParallel(flags.count, flags.parallel, [&](int i) {
    auto c = runtime->Start(absl::StrCat(flags.app, "-", i), spec);
    if (!c.ok())
      std::fprintf(stderr, "start %s-%d: %s\n", flags.app.c_str(), i,
                   c.status().ToString().c_str());
    return c.ok();
  });
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  if (flags.breakdown) calls.Print();
  if (flags.cleanup) {
    ForEachParallel(flags.count, flags.parallel, [&](int i) {
      return runtime->Stop(absl::StrCat(flags.app, "-", i), absl::Seconds(2)).ok();
    });
  }
  if (failures > 0) return 1;
  std::printf("start_ms=%.1f count=%d parallel=%d runtime=%s\n", ms, flags.count, flags.parallel,
              runtime->Name().c_str());
  return 0;
}
