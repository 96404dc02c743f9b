// The command tracker's work for one scale step of N commands, as the controller does it:
// a pass issues N commands (100 per node), each node's writer marks its batch written, and
// each result looks its command up and completes it (Find, then Complete). Cases:
//   Tracker      CommandTracker (commands kept by the number of their id).
//   ByIdText     the same calls on commands kept by the id's text in a std::map, as the
//                tracker kept them before: the side-by-side alternative.
// Run with --benchmark_enable_random_interleaving=true --benchmark_repetitions=5 so that
// the two cases alternate.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "controller/server/command_tracker.h"

namespace microscale {
namespace {

constexpr int kPerNode = 100;

// The tracker's former store: commands by the text of their id.
class ByIdText {
 public:
  std::string Issue(const std::string& node, const std::string& instance, const std::string& app,
                    CommandType type, absl::Time now) {
    absl::MutexLock lock(&mu_);
    std::string id = absl::StrCat("c", next_id_++);
    InFlightCommand& command = pending_[id];
    command.id = id;
    command.node = node;
    command.instance = instance;
    command.app = app;
    command.type = type;
    command.sent = now;
    return id;
  }
  void MarkWritten(const std::vector<std::string>& ids, absl::Time at) {
    absl::MutexLock lock(&mu_);
    for (const std::string& id : ids) {
      auto it = pending_.find(id);
      if (it == pending_.end()) continue;
      it->second.sent = at;
      it->second.awaiting_write = false;
    }
  }
  std::optional<InFlightCommand> Find(const std::string& id) const {
    absl::ReaderMutexLock lock(&mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<InFlightCommand> Complete(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    InFlightCommand command = std::move(it->second);
    pending_.erase(it);
    return command;
  }

 private:
  mutable absl::Mutex mu_;
  uint64_t next_id_ = 1;
  std::map<std::string, InFlightCommand> pending_;
};

struct Names {
  std::vector<std::string> nodes, instances, apps;
};

const Names& NamesFor(int n) {
  static std::map<int, Names> cache;
  Names& names = cache[n];
  if (names.instances.empty()) {
    for (int i = 0; i < n; ++i) {
      names.nodes.push_back(absl::StrCat("node-", i / kPerNode));
      names.apps.push_back(absl::StrCat("app-", i / 10));
      names.instances.push_back(absl::StrCat("app-", i / 10, "-", i % 10));
    }
  }
  return names;
}

template <typename Store>
void Step(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Names& names = NamesFor(n);
  const absl::Time now = absl::UnixEpoch() + absl::Hours(1);
  for (auto _ : state) {
    Store store;
    std::vector<std::string> ids;
    ids.reserve(n);
    for (int i = 0; i < n; ++i) {
      ids.push_back(
          store.Issue(names.nodes[i], names.instances[i], names.apps[i], CommandType::kStart, now));
    }
    for (int i = 0; i < n; i += kPerNode) {
      std::vector<std::string> batch(ids.begin() + i, ids.begin() + std::min(n, i + kPerNode));
      store.MarkWritten(batch, now);
    }
    // Results come back in another order than the writes: node by node, from the last.
    for (int i = n - 1; i >= 0; --i) {
      std::optional<InFlightCommand> found = store.Find(ids[i]);
      benchmark::DoNotOptimize(found);
      std::optional<InFlightCommand> done = store.Complete(ids[i]);
      benchmark::DoNotOptimize(done);
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void Tracker(benchmark::State& state) { Step<CommandTracker>(state); }
void ByIdTextStore(benchmark::State& state) { Step<ByIdText>(state); }

BENCHMARK(Tracker)->Name("Tracker")->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(ByIdTextStore)->Name("ByIdText")->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace microscale

BENCHMARK_MAIN();
