// Properties of Decide over random clusters: 1-50 nodes of mixed sizes and labels, 1-30
// apps of mixed priorities, some with a nodeSelector, random demand and random existing
// containers (reached by deciding and applying earlier demands, with nodes failing and
// returning and selectors changing in between).
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "controller/core/decide.h"
#include "controller/core/test_util.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace microscale::core {
namespace {

using testing::Apply;
using testing::kMi;

struct Options {
  bool uniform = false;     // every app uses the same container size
  bool node_events = true;  // nodes go NotReady / cordoned / draining
  bool existing = true;     // start from containers placed for earlier demands
  bool selectors = true;    // some apps have a nodeSelector (nodes always have labels)
  bool ports = true;        // some apps publish ports, some nodes have few to give
  // Selectors and ports make room differ per app (a node with CPU to spare may have no port
  // left, a host-port app takes one container per node): the properties of priority order
  // among interchangeable containers turn both off.
};

std::string Name(const char* prefix, size_t i) {
  return std::string(prefix) + (i < 10 ? "0" : "") + std::to_string(i);
}

std::vector<NodeInfo> GenNodes(const Options& o) {
  int n = *rc::gen::inRange(1, 51);
  std::vector<NodeInfo> nodes;
  for (int i = 0; i < n; ++i) {
    nodes.push_back(testing::MakeNode(
        Name("node-", static_cast<size_t>(i)), *rc::gen::element<int64_t>(500, 1000, 2000, 4000),
        *rc::gen::element<int64_t>(256 * kMi, 512 * kMi, 1024 * kMi, 4096 * kMi),
        *rc::gen::element(0, 0, 0, 3, 8)));
    nodes.back().labels["zone"] = *rc::gen::element<std::string>("a", "b", "c");
    if (*rc::gen::inRange(0, 2) == 0) nodes.back().labels["disk"] = "ssd";
    if (o.ports) nodes.back().max_ports = *rc::gen::element(0, 0, 2, 3, 8);
  }
  return nodes;
}

// No selector (most apps), one zone, a zone with SSDs, or a zone no node is in.
std::map<std::string, std::string> GenSelector() {
  switch (*rc::gen::inRange(0, 8)) {
    case 0:
      return {{"zone", *rc::gen::element<std::string>("a", "b", "c")}};
    case 1:
      return {{"zone", *rc::gen::element<std::string>("a", "b")}, {"disk", "ssd"}};
    case 2:
      return {{"zone", "d"}};
    default:
      return {};
  }
}

AppInput GenApp(size_t i, const Options& o) {
  int32_t min = *rc::gen::element(0, 0, 1, 2, 3);
  AppInput a = testing::MakeApp(
      Name("app-", i), *rc::gen::inRange(1, 6), 0, min, min + *rc::gen::inRange(0, 16),
      o.uniform ? 100 : *rc::gen::element<int64_t>(100, 200, 500),
      o.uniform ? 64 * kMi : *rc::gen::element<int64_t>(32 * kMi, 64 * kMi, 128 * kMi));
  a.spec.preemptible = *rc::gen::inRange(0, 10) < 8;
  if (*rc::gen::inRange(0, 4) == 0) a.spec.preemption = PreemptionMode::kPause;
  if (*rc::gen::inRange(0, 5) == 0) a.spec.standby = *rc::gen::inRange(1, 3);
  if (o.selectors) a.spec.node_selector = GenSelector();
  if (o.ports) {
    // Bridge apps take 1-2 ports from a node's range; host ones hold their own port (each
    // app another: the controller refuses two host apps sharing one at apply).
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        a.spec.ports = {{"http", 8080}};
        break;
      case 1:
        a.spec.ports = {{"http", 8080}, {"metrics", 9100}};
        break;
      case 2:
        a.spec.network = NetworkMode::kHost;
        a.spec.ports = {{"", static_cast<int32_t>(20000 + i)}};
        break;
      default:
        break;
    }
  }
  return a;
}

void GenDesired(ClusterState& s) {
  for (AppInput& a : s.apps) a.desired = *rc::gen::inRange(0, a.spec.replicas.max + 4);
}

ClusterState Settle(ClusterState s, int rounds) {
  for (int i = 0; i < rounds; ++i) s = Apply(s, Decide(s));
  return s;
}

// Nodes fail, get cordoned or drained, or come back.
void GenNodeEvents(ClusterState& s) {
  for (NodeInfo& n : s.nodes) {
    switch (*rc::gen::inRange(0, 12)) {
      case 0:
        n.status = NodeStatus::kNotReady;
        break;
      case 1:
        n.cordoned = true;
        break;
      case 2:
        n.draining = true;
        break;
      default:
        n.status = NodeStatus::kReady;
        n.cordoned = n.draining = false;
        break;
    }
  }
}

ClusterState GenCluster(const Options& o) {
  ClusterState s;
  s.nodes = GenNodes(o);
  int apps = *rc::gen::inRange(1, 31);
  for (int i = 0; i < apps; ++i) s.apps.push_back(GenApp(static_cast<size_t>(i), o));
  if (o.existing) {
    if (o.node_events) GenNodeEvents(s);
    GenDesired(s);
    s = Settle(s, *rc::gen::inRange(1, 4));
    if (o.node_events) GenNodeEvents(s);
    // Some selectors change: containers may now run where their app would not be placed.
    if (o.selectors) {
      for (AppInput& a : s.apps) {
        if (*rc::gen::inRange(0, 6) == 0) a.spec.node_selector = GenSelector();
      }
    }
    // Some containers crash away; some apps are deleted.
    std::erase_if(s.containers, [](const ContainerInfo&) { return *rc::gen::inRange(0, 20) == 0; });
    if (s.apps.size() > 1 && *rc::gen::inRange(0, 4) == 0) {
      // The controller passes the limits of containers whose app is gone.
      for (ContainerInfo& c : s.containers) {
        if (c.app != s.apps.back().spec.name) continue;
        c.resources = s.apps.back().spec.resources;
        c.published_ports = PublishedPortCount(s.apps.back().spec);
      }
      s.apps.pop_back();
    }
  }
  GenDesired(s);
  return s;
}

// Resources each node holds: active containers in full, paused ones their memory, slot
// and ports. No node holds two containers of an app on host networking with ports.
void AssertWithinCapacity(const ClusterState& s, const std::vector<ContainerInfo>& extra_gone) {
  std::map<std::string, const AppInput*> apps;
  for (const AppInput& a : s.apps) apps[a.spec.name] = &a;
  std::map<std::string, testing::Usage> used;
  std::set<std::pair<std::string, std::string>> host_port_holders;  // (node, app)
  auto add = [&](const ContainerInfo& c) {
    auto it = apps.find(c.app);
    Resources r = it != apps.end() ? it->second->spec.resources : c.resources.value_or(Resources{});
    testing::Usage& u = used[c.node];
    u.cpu += c.state == ContainerState::kPaused ? 0 : r.cpu_millis;
    u.memory += r.memory_bytes;
    u.count += 1;
    u.ports += it != apps.end() ? PublishedPortCount(it->second->spec) : c.published_ports;
    if (it != apps.end() && HoldsHostPorts(it->second->spec)) {
      RC_ASSERT(host_port_holders.emplace(c.node, c.app).second);
    }
  };
  for (const ContainerInfo& c : s.containers) add(c);
  for (const ContainerInfo& c : extra_gone) add(c);
  for (const NodeInfo& n : s.nodes) {
    const testing::Usage& u = used[n.name];
    RC_ASSERT(u.cpu <= n.cpu_millis);
    RC_ASSERT(u.memory <= n.memory_bytes);
    RC_ASSERT(n.max_containers == 0 || u.count <= n.max_containers);
    RC_ASSERT(n.max_ports == 0 || u.ports <= n.max_ports);
  }
}

// Applies `p` in two steps like agents do: starts/pauses/resumes at once, stops only
// later. Asserts no node is over capacity in between, then returns the end state.
ClusterState ApplyChecked(const ClusterState& s, const Plan& p) {
  ClusterState after = Apply(s, p);
  std::vector<ContainerInfo> draining;
  for (const Command& c : p.commands) {
    if (c.kind != CommandKind::kStop) continue;
    for (const ContainerInfo& x : s.containers) {
      if (x.instance == c.instance) draining.push_back(x);
    }
  }
  AssertWithinCapacity(after, draining);
  return after;
}

// Decides and applies until the plan is empty. Work that waits for draining room is
// placed again once the room is free, which can move other containers of mixed sizes in
// turn; this settles in a few rounds (the distribution is printed as tags).
ClusterState Converge(ClusterState s) {
  for (int round = 0; round < 8; ++round) {
    Plan p = Decide(s);
    RC_LOG() << "round " << round << "\n" << testing::Describe(p);
    if (p.commands.empty()) {
      RC_TAG(round);
      return s;
    }
    s = ApplyChecked(s, p);
  }
  RC_FAIL("no empty plan after 8 rounds");
  return s;
}

std::map<std::string, int> Active(const ClusterState& s) { return testing::ActivePerApp(s); }

int32_t Wanted(const AppInput& a) {
  return std::clamp(a.desired, a.spec.replicas.min, a.spec.replicas.max);
}

RC_GTEST_PROP(DecideProperty, NoNodeIsEverOverCapacity, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  AssertWithinCapacity(s, {});
  Converge(s);
}

RC_GTEST_PROP(DecideProperty, SameInputSamePlanWhateverTheOrder, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  RC_ASSERT(Decide(s) == p);
  ClusterState shuffled = s;
  std::reverse(shuffled.containers.begin(), shuffled.containers.end());
  std::reverse(shuffled.nodes.begin(), shuffled.nodes.end());
  RC_ASSERT(Decide(shuffled).commands == p.commands);
}

RC_GTEST_PROP(DecideProperty, AppliedPlanDecidedAgainIsEmptyUnlessPending, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  // Work waiting for room to drain, and containers leaving a draining node, whose stops
  // wait for their replacements to run.
  int pending = 0;
  for (const AppAllocation& a : p.apps) pending += a.pending + a.leaving;
  Plan again = Decide(Apply(s, p));
  RC_LOG() << "first\n" << testing::Describe(p) << "again\n" << testing::Describe(again);
  if (pending == 0) RC_ASSERT(again.commands.empty());
  // In any case the cluster settles, and then stays put.
  ClusterState settled = Converge(s);
  RC_ASSERT(Decide(settled).commands.empty());
}

RC_GTEST_PROP(DecideProperty, CommandsInFlightAreNotRepeated, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  ClusterState sent = s;
  sent.in_flight = p.commands;
  Plan again = Decide(sent);
  RC_LOG() << "first\n" << testing::Describe(p) << "again\n" << testing::Describe(again);
  for (const Command& c : again.commands) {
    for (const Command& f : p.commands) RC_ASSERT(!(c.instance == f.instance && c.kind == f.kind));
  }
  // Nothing new either, unless some work was waiting for room to drain or containers
  // were leaving a draining node.
  int pending = 0;
  for (const AppAllocation& a : p.apps) pending += a.pending + a.leaving;
  if (pending == 0) RC_ASSERT(again.commands.empty());
}

// A drain never stops a running container before its replacement runs: an app with a
// container stopped for a drain keeps at least as many running as the allocation gives
// it, or all it had; and never fewer than its min that it had, unless it was preempted.
RC_GTEST_PROP(DecideProperty, ADrainNeverTakesAnAppBelowWhatRuns, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  std::set<std::string> ready;
  for (const NodeInfo& n : s.nodes) {
    if (n.status == NodeStatus::kReady) ready.insert(n.name);
  }
  std::set<std::string> running;
  for (const ContainerInfo& c : s.containers) {
    if (c.state == ContainerState::kRunning) running.insert(c.instance);
  }
  std::set<std::string> stopped;
  std::set<std::string> drained_apps;  // a running container of theirs stops for a drain
  for (const Command& c : p.commands) {
    if (c.kind == CommandKind::kStop || c.kind == CommandKind::kPause) stopped.insert(c.instance);
    if (c.kind == CommandKind::kStop && c.reason == CommandReason::kNodeDrained &&
        running.contains(c.instance)) {
      drained_apps.insert(c.app);
    }
  }
  for (size_t i = 0; i < s.apps.size(); ++i) {
    const AppSpec& spec = s.apps[i].spec;
    if (!drained_apps.contains(spec.name)) continue;
    int32_t before = 0;
    int32_t after = 0;
    for (const ContainerInfo& c : s.containers) {
      if (c.app != spec.name || c.state != ContainerState::kRunning || !ready.contains(c.node)) {
        continue;
      }
      ++before;
      if (!stopped.contains(c.instance)) ++after;
    }
    RC_ASSERT(after >= std::min(before, p.apps[i].allocated));
    if (p.apps[i].preempted == 0) RC_ASSERT(after >= std::min(before, spec.replicas.min));
  }
}

RC_GTEST_PROP(DecideProperty, AllocationsStayWithinMinMaxAndDesired, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  for (size_t i = 0; i < s.apps.size(); ++i) {
    const AppSpec& spec = s.apps[i].spec;
    const AppAllocation& a = p.apps[i];
    RC_ASSERT(a.app == spec.name);
    RC_ASSERT(a.desired == std::clamp(s.apps[i].desired, spec.replicas.min, spec.replicas.max));
    RC_ASSERT(a.allocated <= a.desired);
    RC_ASSERT(a.allocated >= 0);
  }
}

RC_GTEST_PROP(DecideProperty, ShortAppMeansNoLowerPriorityAboveItsMin, ()) {
  ClusterState s = Converge(
      GenCluster({.uniform = true, .node_events = false, .selectors = false, .ports = false}));
  RC_LOG() << testing::Describe(s);
  auto active = Active(s);
  for (const AppInput& x : s.apps) {
    if (active[x.spec.name] >= Wanted(x)) continue;
    for (const AppInput& y : s.apps) {
      if (y.spec.priority <= x.spec.priority || !y.spec.preemptible) continue;
      RC_ASSERT(active[y.spec.name] <= y.spec.replicas.min);
    }
  }
}

RC_GTEST_PROP(DecideProperty, MinsAreHonouredInPriorityOrder, ()) {
  ClusterState s = GenCluster({.uniform = true,
                               .node_events = false,
                               .existing = false,
                               .selectors = false,
                               .ports = false});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  for (size_t i = 0; i < s.apps.size(); ++i) {
    if (p.apps[i].allocated >= s.apps[i].spec.replicas.min) continue;
    for (size_t j = 0; j < s.apps.size(); ++j) {
      if (s.apps[j].spec.priority > s.apps[i].spec.priority) RC_ASSERT(p.apps[j].allocated == 0);
    }
  }
}

RC_GTEST_PROP(DecideProperty, EqualPrioritiesShortOfDesiredShareWithinOne, ()) {
  ClusterState s = Converge(
      GenCluster({.uniform = true, .node_events = false, .selectors = false, .ports = false}));
  RC_LOG() << testing::Describe(s);
  auto active = Active(s);
  for (const AppInput& x : s.apps) {
    for (const AppInput& y : s.apps) {
      if (x.spec.priority != y.spec.priority || active[x.spec.name] >= Wanted(x) ||
          active[y.spec.name] >= Wanted(y) || !x.spec.preemptible) {
        continue;
      }
      // x may hold two more than y only if it is down to its min.
      if (active[x.spec.name] >= active[y.spec.name] + 2) {
        RC_ASSERT(active[x.spec.name] <= x.spec.replicas.min);
      }
    }
  }
}

RC_GTEST_PROP(DecideProperty, NonPreemptibleContainersAreNeverStoppedForOthers, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  std::map<std::string, const AppSpec*> specs;
  for (const AppInput& a : s.apps) specs[a.spec.name] = &a.spec;
  for (const Command& c : p.commands) {
    if (c.kind != CommandKind::kStop && c.kind != CommandKind::kPause) continue;
    auto it = specs.find(c.app);
    if (it == specs.end() || it->second->preemptible) continue;
    RC_ASSERT(c.reason != CommandReason::kPreempted);
  }
}

std::map<std::string, const NodeInfo*> NodesByName(const ClusterState& s) {
  std::map<std::string, const NodeInfo*> nodes;
  for (const NodeInfo& n : s.nodes) nodes[n.name] = &n;
  return nodes;
}

std::map<std::string, const AppSpec*> SpecsByName(const ClusterState& s) {
  std::map<std::string, const AppSpec*> specs;
  for (const AppInput& a : s.apps) specs[a.spec.name] = &a.spec;
  return specs;
}

bool Matches(const AppSpec& spec, const NodeInfo& node) {
  for (const auto& [key, value] : spec.node_selector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return true;
}

// A container is started, or resumed, only on a node its app's nodeSelector matches.
RC_GTEST_PROP(DecideProperty, ContainersStartOnlyWhereTheirSelectorMatches, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  auto nodes = NodesByName(s);
  auto specs = SpecsByName(s);
  Plan p = Decide(s);
  for (const Command& c : p.commands) {
    if (c.kind != CommandKind::kStart && c.kind != CommandKind::kResume) continue;
    RC_ASSERT(Matches(*specs.at(c.app), *nodes.at(c.node)));
  }
  for (size_t i = 0; i < s.apps.size(); ++i) {
    const AppSpec& spec = s.apps[i].spec;
    int32_t matching = 0;
    for (const NodeInfo& n : s.nodes) {
      matching += n.status == NodeStatus::kReady && !n.cordoned && !n.draining && Matches(spec, n);
    }
    RC_ASSERT(p.apps[i].selectable_nodes == (spec.node_selector.empty() ? -1 : matching));
  }
}

// Preemption takes victims only where the preemptor may run: every container stopped or
// paused for another app is on a node where this plan starts or resumes a container of a
// more important (or, sharing, an equal) priority whose selector matches that node, or
// where such an app may run and has a start waiting for the victims' room to drain. A
// paused container holds no CPU and is reclaimed for any priority (kPausedLevel).
RC_GTEST_PROP(DecideProperty, PreemptionTakesVictimsOnlyWhereThePreemptorMayRun, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  auto nodes = NodesByName(s);
  auto specs = SpecsByName(s);
  Plan p = Decide(s);
  RC_LOG() << testing::Describe(p);
  std::set<std::string> paused;
  for (const ContainerInfo& c : s.containers) {
    if (c.state == ContainerState::kPaused) paused.insert(c.instance);
  }
  for (const Command& victim : p.commands) {
    if (victim.reason != CommandReason::kPreempted) continue;
    int32_t victim_priority = paused.contains(victim.instance) ? std::numeric_limits<int32_t>::max()
                                                               : specs.at(victim.app)->priority;
    bool for_someone = false;
    for (const Command& c : p.commands) {
      if ((c.kind != CommandKind::kStart && c.kind != CommandKind::kResume) ||
          c.node != victim.node || c.start_paused) {
        continue;
      }
      const AppSpec& preemptor = *specs.at(c.app);
      for_someone |= preemptor.priority <= victim_priority && Matches(preemptor, *nodes.at(c.node));
    }
    for (size_t i = 0; i < s.apps.size(); ++i) {
      const AppSpec& waiting = s.apps[i].spec;
      for_someone |= p.apps[i].pending > 0 && waiting.priority <= victim_priority &&
                     Matches(waiting, *nodes.at(victim.node));
    }
    RC_ASSERT(for_someone);
  }
}

// An app whose selector matches no node gets no new container, wherever there is room.
RC_GTEST_PROP(DecideProperty, AnAppNoNodeMatchesGetsNothingNew, ()) {
  ClusterState s = GenCluster({});
  s.apps.front().spec.node_selector = {{"zone", "nowhere"}};
  s.apps.front().desired = s.apps.front().spec.replicas.max;
  RC_LOG() << testing::Describe(s);
  Plan p = Decide(s);
  for (const Command& c : p.commands) {
    RC_ASSERT(!(c.app == s.apps.front().spec.name &&
                (c.kind == CommandKind::kStart || c.kind == CommandKind::kResume)));
  }
  RC_ASSERT(p.apps.front().selectable_nodes == 0);
}

RC_GTEST_PROP(DecideProperty, UnreachableContainersAreNeverStopped, ()) {
  ClusterState s = GenCluster({});
  RC_LOG() << testing::Describe(s);
  std::map<std::string, bool> ready;
  for (const NodeInfo& n : s.nodes) ready[n.name] = n.status == NodeStatus::kReady;
  for (const Command& c : Decide(s).commands) RC_ASSERT(ready[c.node]);
}

}  // namespace
}  // namespace microscale::core
