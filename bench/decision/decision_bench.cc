// Benchmarks of the decision core: one full Decide() (allocation, placement, plan) over
// a synthetic cluster. Cases:
//   SeedDemo        2 nodes, 2 apps (priority 1 follows demand, priority 2 fills the rest).
//   Large/Steady    1,000 nodes, 10,000 apps, 100,000 running containers; nothing changed.
//   Large/Changed   the same, with every app's desired count moved by -3..+4 (about 25,000
//                   starts and stops), on nodes with room to spare.
//   Large/Contended the same change on nodes that are full: priorities compete and
//                   lower priorities are preempted.
#include <cstdint>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "controller/core/decide.h"

namespace microscale::core {
namespace {

constexpr int64_t kMi = int64_t{1} << 20;

struct Shape {
  int nodes;
  int apps;
  int per_app;  // running containers per app
  int64_t node_cpu;
  int64_t node_memory;
  int max_change;  // desired moves by -max_change+1 .. +max_change
};

ClusterState MakeCluster(const Shape& shape) {
  std::mt19937_64 rng(42);
  ClusterState s;
  for (int n = 0; n < shape.nodes; ++n) {
    NodeInfo node;
    node.name = "node-" + std::to_string(n);
    node.cpu_millis = shape.node_cpu;
    node.memory_bytes = shape.node_memory;
    s.nodes.push_back(node);
  }
  const int64_t cpus[] = {100, 150, 200, 250};
  const int64_t mems[] = {64 * kMi, 128 * kMi, 256 * kMi};
  s.containers.reserve(static_cast<size_t>(shape.apps) * shape.per_app);
  for (int a = 0; a < shape.apps; ++a) {
    AppInput app;
    app.spec.name = "app-" + std::to_string(a);
    app.spec.priority = 1 + static_cast<int32_t>(rng() % 10);
    app.spec.resources = {cpus[rng() % 4], mems[rng() % 3]};
    app.spec.replicas = {static_cast<int32_t>(rng() % 3), 40};
    app.desired = shape.per_app;
    app.next_ordinal = shape.per_app;
    for (int i = 0; i < shape.per_app; ++i) {
      int node = (a * shape.per_app + i) % shape.nodes;
      s.containers.push_back({app.spec.name + "-" + std::to_string(i), app.spec.name,
                              s.nodes[static_cast<size_t>(node)].name, ContainerState::kRunning,
                              false, std::nullopt});
    }
    s.apps.push_back(std::move(app));
  }
  if (shape.max_change > 0) {
    for (AppInput& app : s.apps) {
      app.desired += static_cast<int32_t>(rng() % (2 * shape.max_change)) - shape.max_change + 1;
    }
  }
  return s;
}

void Run(benchmark::State& state, const ClusterState& cluster) {
  size_t commands = 0;
  for (auto _ : state) {
    Plan plan = Decide(cluster);
    commands = plan.commands.size();
    benchmark::DoNotOptimize(plan);
  }
  state.counters["commands"] = static_cast<double>(commands);
  state.counters["containers"] = static_cast<double>(cluster.containers.size());
}

void BM_SeedDemo(benchmark::State& state) {
  ClusterState s;
  for (const char* name : {"node-1", "node-2"}) {
    NodeInfo n;
    n.name = name;
    n.cpu_millis = 2000;
    n.memory_bytes = 4096 * kMi;
    s.nodes.push_back(n);
  }
  AppInput api;
  api.spec.name = "api";
  api.spec.priority = 1;
  api.spec.resources = {250, 64 * kMi};
  api.spec.replicas = {0, 16};
  api.desired = 11;
  AppInput worker = api;
  worker.spec.name = "worker";
  worker.spec.priority = 2;
  worker.desired = 16;
  s.apps = {api, worker};
  for (int i = 0; i < 9; ++i) {
    s.containers.push_back({"worker-" + std::to_string(i), "worker", i % 2 ? "node-1" : "node-2",
                            ContainerState::kRunning, false, std::nullopt});
  }
  Run(state, s);
}
BENCHMARK(BM_SeedDemo)->Unit(benchmark::kMicrosecond);

// 100,000 containers of ~175m use ~17,500 of the 32,000 cores offered.
const Shape kRoomy{1000, 10000, 10, 32000, int64_t{256} * 1024 * kMi, 4};
// The same on 16-core nodes: ~17,500 cores wanted of 16,000.
const Shape kFull{1000, 10000, 10, 16000, int64_t{256} * 1024 * kMi, 4};

void BM_LargeSteady(benchmark::State& state) {
  Shape shape = kRoomy;
  shape.max_change = 0;
  Run(state, MakeCluster(shape));
}
BENCHMARK(BM_LargeSteady)->Unit(benchmark::kMillisecond);

void BM_LargeChanged(benchmark::State& state) { Run(state, MakeCluster(kRoomy)); }
BENCHMARK(BM_LargeChanged)->Unit(benchmark::kMillisecond);

void BM_LargeContended(benchmark::State& state) { Run(state, MakeCluster(kFull)); }
BENCHMARK(BM_LargeContended)->Unit(benchmark::kMillisecond);

// A tenth of the large contended case, to see how the cost grows.
void BM_MediumContended(benchmark::State& state) {
  Shape shape = kFull;
  shape.nodes /= 10;
  shape.apps /= 10;
  Run(state, MakeCluster(shape));
}
BENCHMARK(BM_MediumContended)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace microscale::core

BENCHMARK_MAIN();
