#include "controller/core/allocate.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "controller/core/placement.h"
#include "controller/core/preemption.h"
#include "controller/core/victims.h"

namespace microscale::core::internal {
namespace {

void GiveMins(World& w) {
  for (size_t a = 0; a < w.apps.size(); ++a) {
    int app = static_cast<int>(a);
    while (w.apps[a].active < w.apps[a].spec().replicas.min && AddOne(w, app)) {
    }
  }
}

// Takes one container from the richest equal-priority app that holds at least two more
// than `app`, if that makes room for `app`.
bool TakeFromRicherPeer(World& w, int app, size_t begin, size_t end) {
  // The two richest peers (most containers; ties: last by name) are tried: with
  // containers of one size the richest always does.
  int first = -1, second = -1;
  auto richer = [&](int x, int y) {  // is x richer than y?
    return y < 0 || w.apps[x].active > w.apps[y].active ||
           (w.apps[x].active == w.apps[y].active && x > y);
  };
  for (size_t p = begin; p < end; ++p) {
    const WorkApp& peer = w.apps[p];
    int i = static_cast<int>(p);
    if (i == app || !peer.spec().preemptible || peer.active < w.apps[app].active + 2 ||
        peer.active <= peer.spec().replicas.min) {
      continue;
    }
    if (richer(i, first)) {
      second = first;
      first = i;
    } else if (richer(i, second)) {
      second = i;
    }
  }
  for (int peer : {first, second}) {
    if (peer < 0) continue;
    Room room = FindRoom(w, VictimRule{app, peer, 1});
    if (room.node >= 0) {
      TakeRoom(w, app, room);
      return true;
    }
  }
  return false;
}

// Pass 2 runs to a fixpoint: an app that could not grow is retried only once an app of
// a lower priority has grown above its min since (only that can give it a victim).
class DesiredPass {
 public:
  explicit DesiredPass(World& w) : w_(w), failed_at_(w.apps.size(), -1) {}

  void Run() {
    bool changed = true;
    while (changed) {
      changed = false;
      size_t begin = 0;
      while (begin < w_.apps.size()) {
        size_t end = begin + 1;
        while (end < w_.apps.size() && Priority(end) == Priority(begin)) ++end;
        changed |= Group(begin, end);
        begin = end;
      }
    }
  }

 private:
  int32_t Priority(size_t a) const { return w_.apps[a].spec().priority; }

  bool Worth(size_t a) const {
    const WorkApp& app = w_.apps[a];
    if (app.active >= app.desired) return false;
    if (failed_at_[a] < 0) return true;
    for (auto it = grown_at_.upper_bound(app.spec().priority); it != grown_at_.end(); ++it) {
      if (it->second > failed_at_[a]) return true;
    }
    return false;
  }

  void Grew(int app) {
    ++events_;
    if (w_.apps[app].active > w_.apps[app].spec().replicas.min) {
      grown_at_[w_.apps[app].spec().priority] = events_;
    }
  }

  // Apps [begin, end) share one priority: they take turns, fewest containers first.
  bool Group(size_t begin, size_t end) {
    using Turn = std::tuple<int32_t, int>;  // (active, app): fewest first, then by name
    std::priority_queue<Turn, std::vector<Turn>, std::greater<Turn>> turns;
    for (size_t a = begin; a < end; ++a) {
      if (Worth(a)) turns.push({w_.apps[a].active, static_cast<int>(a)});
    }
    bool changed = false;
    failed_.clear();  // the cache holds for one priority, while only it grows
    while (!turns.empty()) {
      auto [active, app] = turns.top();
      turns.pop();
      WorkApp& a = w_.apps[app];
      if (active != a.active) {  // a peer took one since: requeue with its current count
        if (a.active < a.desired) turns.push({a.active, app});
        continue;
      }
      if (!Grow(app) && !TakeFromRicherPeer(w_, app, begin, end)) {
        failed_at_[app] = events_;
        continue;
      }
      Grew(app);
      changed = true;
      if (a.active < a.desired) turns.push({a.active, app});
    }
    while (RebalanceOnce(begin, end)) changed = true;
    return changed;
  }

  // AddOne, skipped when a container at least as large, for the same nodeSelector, already
  // failed to find room in this group since anything was last freed (room only shrinks
  // in between).
  bool Grow(int app) {
    const Usage u = UsageOf(w_.apps[app].spec(), ContainerState::kRunning);
    const Selector* selector = &w_.apps[app].spec().node_selector;
    // Where an app holding host ports fits depends on where it runs already (ChooseNode).
    const bool memo = !HoldsHostPorts(w_.apps[app].spec());
    if (w_.freed != failed_freed_) {
      failed_.clear();
      failed_freed_ = w_.freed;
    }
    bool can_resume = w_.apps[app].paused > 0;
    for (const auto& [f, f_selector] : failed_) {
      if (memo && !can_resume && f.cpu <= u.cpu && f.memory <= u.memory && f.ports <= u.ports &&
          *f_selector == *selector) {
        return false;
      }
    }
    if (AddOne(w_, app)) return true;
    if (memo && !can_resume) failed_.emplace_back(u, selector);
    return false;
  }

  // A peer may have grown past an app that could not grow (containers of other sizes
  // fit where its own do not): one container moves to the short app with the fewest
  // (ties by name) from a peer holding two or more than it. Each move narrows the spread
  // of counts, so repeating this ends.
  bool RebalanceOnce(size_t begin, size_t end) {
    std::vector<int> shorts;
    for (size_t a = begin; a < end; ++a) {
      if (w_.apps[a].active < w_.apps[a].desired) shorts.push_back(static_cast<int>(a));
    }
    std::sort(shorts.begin(), shorts.end(), [&](int x, int y) {
      return std::tie(w_.apps[x].active, x) < std::tie(w_.apps[y].active, y);
    });
    int32_t richest = 0;
    for (size_t a = begin; a < end; ++a) {
      const WorkApp& peer = w_.apps[a];
      if (peer.spec().preemptible && peer.active > peer.spec().replicas.min) {
        richest = std::max(richest, peer.active);
      }
    }
    for (int app : shorts) {
      if (w_.apps[app].active + 2 > richest) break;
      if (TakeFromRicherPeer(w_, app, begin, end)) {
        Grew(app);
        return true;
      }
    }
    return false;
  }

  World& w_;
  using Selector = std::map<std::string, std::string>;
  // Sizes (and the nodeSelector they were for) that found no room since `failed_freed_`.
  std::vector<std::pair<Usage, const Selector*>> failed_;
  int64_t failed_freed_ = -1;
  std::vector<int64_t> failed_at_;       // event count when the app last failed to grow
  std::map<int32_t, int64_t> grown_at_;  // priority -> event count of its last growth above min
  int64_t events_ = 0;
};

}  // namespace

bool AddOne(World& w, int app) {
  const Usage u = UsageOf(w.apps[app].spec(), ContainerState::kRunning);
  const int paused = PausedToResume(w, app);
  const bool paused_now = paused >= 0 && FitsNow(w.nodes[w.slots[paused].node], {u.cpu, 0, 0});
  if (paused >= 0 && paused_now) {
    ResumeSlot(w, paused);
    return true;
  }
  const int node = ChooseNode(w, app, u);
  if (node >= 0 && FitsNow(w.nodes[node], u)) {
    PlaceNew(w, app, node, /*standby=*/false);
    return true;
  }
  // Only room that is still draining: a resume still beats a cold start.
  if (paused >= 0) {
    ResumeSlot(w, paused);
    return true;
  }
  if (node >= 0) {
    PlaceNew(w, app, node, /*standby=*/false);
    return true;
  }
  Room room = FindRoom(w, VictimRule{app, -1, 1 << 30});
  if (room.node < 0) return false;
  TakeRoom(w, app, room);
  return true;
}

namespace {

bool AnyShort(const World& w) {
  for (const WorkApp& a : w.apps) {
    if (a.active < a.desired) return true;
  }
  return false;
}

}  // namespace

void Allocate(World& w) {
  TrimToDesired(w);
  GiveMins(w);
  DesiredPass(w).Run();
  TrimPaused(w);
  FillStandby(w);
  // Trimming paused containers frees room, and a standby container just placed may be
  // reclaimed: an app still short gets one more pass, so the plan is one the next decision
  // leaves alone rather than one it completes.
  if (!AnyShort(w)) return;
  DesiredPass(w).Run();
  TrimPaused(w);
  // That pass may have reclaimed standby containers it could not use up: fill the pools
  // again with what room is left, as the next decision would.
  FillStandby(w);
}

}  // namespace microscale::core::internal
