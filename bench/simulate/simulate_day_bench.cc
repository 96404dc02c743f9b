// simulate_day_bench: how long `microscalectl simulate` takes for a day of one-second
// steps, 100 apps on 50 nodes (the defaults), with the engine's rows going to a sink
// that only counts them, and with them written as CSV to /dev/null.
//
// The scenario is generated, the same for every run: 50 nodes of `--node-cores` cores
// (default 4) and 32Gi, 100 apps of 250m (priorities 1 to 5, max 20 containers,
// targetPerContainer 10), each changing its demand every `--change-every` seconds on
// average (staggered) along a daily curve with ±25% noise whose peak is `--peak` times the
// cluster's room (default 1.2), so the cluster is short of room around the peak and the
// higher priorities preempt the lower ones there. Usage:
//
//   simulate_day_bench [--apps 100] [--nodes 50] [--node-cores 4] [--peak 1.2]
//                      [--seconds 86400] [--change-every 60] [--repetitions 5]
//                      [--write-trace FILE --write-apps FILE --write-nodes FILE]
//
// Prints one markdown table: median and p95 wall and CPU time of each variant, with the
// steps, Decide calls, commands, preemptions and the mean number of containers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/simulate/engine.h"
#include "cli/simulate/nodes_csv.h"
#include "cli/simulate/output.h"
#include "cli/simulate/trace_csv.h"
#include "common/manifest/manifest.h"

namespace microscale::simulate {
namespace {

struct Config {
  int apps = 100;
  int nodes = 50;
  int seconds = 86'400;
  int change_every = 60;
  int repetitions = 5;
  int node_cores = 4;
  double peak = 1.2;  // demand at the daily peak, as a fraction of the cluster's room
  std::string write_trace, write_apps, write_nodes;
};

std::string Manifests(const Config& c) {
  std::string yaml;
  for (int i = 0; i < c.apps; ++i) {
    absl::StrAppend(&yaml, "---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: app-", i,
                    "}\nspec:\n  priority: ", 1 + i % 5,
                    "\n  image: demo\n  resources: {cpu: 250m, memory: 128Mi}\n"
                    "  replicas: {min: 0, max: 20}\n"
                    "  demand: {source: static, value: 0, targetPerContainer: 10}\n");
  }
  return yaml;
}

std::string Nodes(const Config& c) {
  std::string csv = "name,cpu,memory,maxContainers,labels\n";
  for (int i = 0; i < c.nodes; ++i) {
    absl::StrAppend(&csv, "node-", i, ",", c.node_cores, ",32Gi,0,\n");
  }
  return csv;
}

// Each app's demand follows a daily curve (peak 1.3x the cluster's room over all apps)
// with ±25% noise, changing at exponential intervals of mean `change_every` seconds.
std::string Trace(const Config& c) {
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> gap(1.0 / c.change_every);
  std::uniform_real_distribution<double> noise(0.75, 1.25);
  const double room = c.nodes * c.node_cores * 1000.0 / 250;  // containers
  const double peak = c.peak * room / c.apps * 10;
  struct Row {
    int t;
    int app;
    double value;
  };
  std::vector<Row> rows;
  for (int a = 0; a < c.apps; ++a) {
    for (double t = 0; t < c.seconds; t += std::max(1.0, std::round(gap(rng)))) {
      double day = 0.5 - 0.5 * std::cos(2 * M_PI * t / 86'400);
      rows.push_back({static_cast<int>(t), a, std::round(peak * day * noise(rng))});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.t < y.t; });
  std::string csv = "seconds,app,value\n";
  for (const Row& r : rows) absl::StrAppend(&csv, r.t, ",app-", r.app, ",", r.value, "\n");
  return csv;
}

class CountingSink : public StepSink {
 public:
  void OnStep(double, const std::vector<StepRow>& rows) override { count += rows.size(); }
  size_t count = 0;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(std::lround(p * static_cast<double>(v.size() - 1))))];
}

bool ParseArgs(int argc, char** argv, Config& c) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    int* number = flag == "--apps"           ? &c.apps
                  : flag == "--nodes"        ? &c.nodes
                  : flag == "--seconds"      ? &c.seconds
                  : flag == "--change-every" ? &c.change_every
                  : flag == "--repetitions"  ? &c.repetitions
                                             : nullptr;
    if (number != nullptr) {
      if (!absl::SimpleAtoi(value, number) || *number <= 0) return false;
    } else if (flag == "--node-cores") {
      if (!absl::SimpleAtoi(value, &c.node_cores) || c.node_cores <= 0) return false;
    } else if (flag == "--peak") {
      if (!absl::SimpleAtod(value, &c.peak) || !(c.peak > 0)) return false;
    } else if (flag == "--write-trace") {
      c.write_trace = value;
    } else if (flag == "--write-apps") {
      c.write_apps = value;
    } else if (flag == "--write-nodes") {
      c.write_nodes = value;
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

int Main(int argc, char** argv) {
  Config c;
  if (!ParseArgs(argc, argv, c)) {
    std::cerr << "usage: simulate_day_bench [--apps N] [--nodes N] [--seconds N] "
                 "[--change-every N] [--repetitions N] [--write-trace F --write-apps F "
                 "--write-nodes F]\n";
    return 2;
  }
  const std::string manifests = Manifests(c), nodes_csv = Nodes(c), trace_csv = Trace(c);
  if (!c.write_trace.empty()) std::ofstream(c.write_trace) << trace_csv;
  if (!c.write_apps.empty()) std::ofstream(c.write_apps) << manifests;
  if (!c.write_nodes.empty()) std::ofstream(c.write_nodes) << nodes_csv;
  SimulationInput input;
  input.apps = *ParseManifests(manifests);
  input.nodes = *ParseNodesCsv(nodes_csv, "nodes");
  std::vector<std::string> names;
  for (const AppSpec& a : input.apps) names.push_back(a.name);
  input.trace = *ParseDemandTrace(trace_csv, "trace", names);
  SimulationOptions options;
  options.duration = absl::Seconds(c.seconds);

  struct Variant {
    const char* name;
    bool csv;
    std::vector<double> wall, cpu;
  };
  std::vector<Variant> variants = {{"engine, rows counted", false, {}, {}},
                                   {"engine + CSV to /dev/null", true, {}, {}}};
  SimulationSummary summary;
  double mean_containers = 0;
  for (int r = 0; r < c.repetitions; ++r) {
    for (Variant& v : variants) {
      std::ofstream devnull("/dev/null");
      std::unique_ptr<OutputWriter> writer = MakeWriter(OutputKind::kCsv, names, devnull);
      CountingSink counter;
      StepSink& sink = v.csv ? static_cast<StepSink&>(*writer) : counter;
      const auto wall = std::chrono::steady_clock::now();
      const std::clock_t cpu = std::clock();
      summary = *Simulate(input, options, sink);
      writer->Finish(summary);
      v.cpu.push_back(static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC);
      v.wall.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
    }
  }
  int64_t preemptions = 0;
  double container_seconds = 0;
  for (const AppSummary& a : summary.apps) {
    preemptions += a.preemptions;
    container_seconds += a.container_seconds;
  }
  mean_containers = container_seconds / summary.seconds;
  std::cout << absl::StrFormat(
      "%d apps on %d nodes of %d cores, %d s of 1 s steps, demand changes every %d s per app "
      "(%zu trace rows), peak %.2fx the room; %d repetitions\n\n",
      c.apps, c.nodes, c.node_cores, c.seconds, c.change_every, input.trace.points.size(), c.peak,
      c.repetitions);
  std::cout << "| variant | wall p50 (s) | wall p95 (s) | CPU p50 (s) | steps | Decide calls | "
               "commands | preemptions | mean containers |\n"
               "|---|---|---|---|---|---|---|---|---|\n";
  for (const Variant& v : variants) {
    std::cout << absl::StrFormat("| %s | %.2f | %.2f | %.2f | %d | %d | %d | %d | %.0f |\n", v.name,
                                 Percentile(v.wall, 0.5), Percentile(v.wall, 0.95),
                                 Percentile(v.cpu, 0.5), summary.steps, summary.decisions,
                                 summary.commands, preemptions, mean_containers);
  }
  return 0;
}

}  // namespace
}  // namespace microscale::simulate

int main(int argc, char** argv) { return microscale::simulate::Main(argc, argv); }
