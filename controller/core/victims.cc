#include "controller/core/victims.h"

#include <algorithm>
#include <queue>
#include <utility>
#include <vector>

namespace microscale::core::internal {
namespace {

// The alive slots of `app` in `state`, grouped by node, newest first within a node.
std::vector<int> Candidates(const World& w, int app, ContainerState state) {
  std::vector<int> out;
  for (int s : w.apps[app].slots) {
    if (w.slots[s].alive && w.slots[s].target == state) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [&](int a, int b) {
    if (w.slots[a].node != w.slots[b].node) return w.slots[a].node < w.slots[b].node;
    return NewerThan(w, a, b);
  });
  return out;
}

// Stops up to `count` of `cands` (grouped as Candidates() returns them), always from the
// most loaded node. Returns how many it stopped.
int StopFromMostLoaded(World& w, const std::vector<int>& cands, int count, CommandReason reason) {
  struct Range {
    size_t next, end;
  };
  std::vector<std::pair<int, Range>> ranges;  // node -> its run in `cands`
  for (size_t i = 0; i < cands.size(); ++i) {
    int node = w.slots[cands[i]].node;
    if (ranges.empty() || ranges.back().first != node) ranges.push_back({node, {i, i}});
    ranges.back().second.end = i + 1;
  }
  // Max-heap on load; on equal load the node first by name (lowest index) wins.
  using Entry = std::pair<double, int>;  // (load, -range index)
  std::priority_queue<Entry> heap;
  for (size_t r = 0; r < ranges.size(); ++r) {
    heap.push({Load(w.nodes[ranges[r].first]), -static_cast<int>(r)});
  }
  int stopped = 0;
  while (stopped < count && !heap.empty()) {
    int r = -heap.top().second;
    heap.pop();
    Range& range = ranges[r].second;
    StopSlot(w, cands[range.next++], reason);
    ++stopped;
    // Only this node's load changed, so every other heap entry is still current.
    if (range.next < range.end) heap.push({Load(w.nodes[ranges[r].first]), -r});
  }
  return stopped;
}

}  // namespace

void StopSurplus(World& w, int app, int count, CommandReason reason) {
  for (ContainerState state : {ContainerState::kStarting, ContainerState::kRunning}) {
    if (count <= 0) return;
    count -= StopFromMostLoaded(w, Candidates(w, app, state), count, reason);
  }
}

void TrimToDesired(World& w) {
  for (size_t a = 0; a < w.apps.size(); ++a) {
    int surplus = w.apps[a].active - w.apps[a].desired;
    if (surplus > 0) StopSurplus(w, static_cast<int>(a), surplus, CommandReason::kScaleDown);
  }
}

void TrimPaused(World& w) {
  for (size_t a = 0; a < w.apps.size(); ++a) {
    const WorkApp& app = w.apps[a];
    int32_t keep = std::max(0, app.spec().standby);
    if (app.spec().preemption == PreemptionMode::kPause) {
      keep += std::max(0, app.desired - app.active);
    }
    std::vector<int> paused;
    for (int s : app.slots) {
      if (w.slots[s].alive && w.slots[s].target == ContainerState::kPaused) paused.push_back(s);
    }
    if (static_cast<int32_t>(paused.size()) <= keep) continue;
    std::sort(paused.begin(), paused.end(), [&](int x, int y) { return NewerThan(w, x, y); });
    for (size_t i = 0; i < paused.size() - static_cast<size_t>(keep); ++i) {
      StopSlot(w, paused[i], CommandReason::kStandby);
    }
  }
}

}  // namespace microscale::core::internal
