// Test helpers for the decision core: small builders for clusters, and Apply(), which
// plays a plan out the way agents would (starts become running, stops disappear).
// Thread-safety: plain functions. For tests only.
#ifndef MICROSCALE_CONTROLLER_CORE_TEST_UTIL_H_
#define MICROSCALE_CONTROLLER_CORE_TEST_UTIL_H_

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "controller/core/types.h"

namespace microscale::core::testing {

inline constexpr int64_t kMi = int64_t{1} << 20;

// The start of time in tests of rules that read a clock.
inline const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

struct Usage {
  int64_t cpu = 0;
  int64_t memory = 0;
  int32_t count = 0;
  int32_t ports = 0;
};

inline AppInput MakeApp(std::string name, int32_t priority, int32_t desired, int32_t min = 0,
                        int32_t max = 100, int64_t cpu = 100, int64_t memory = 64 * kMi) {
  AppInput a;
  a.spec.name = std::move(name);
  a.spec.priority = priority;
  a.spec.resources = {cpu, memory};
  a.spec.replicas = {min, max};
  a.desired = desired;
  return a;
}

inline NodeInfo MakeNode(std::string name, int64_t cpu = 1000, int64_t memory = 4096 * kMi,
                         int32_t max_containers = 0) {
  NodeInfo n;
  n.name = std::move(name);
  n.cpu_millis = cpu;
  n.memory_bytes = memory;
  n.max_containers = max_containers;
  return n;
}

inline ContainerInfo Running(std::string instance, std::string app, std::string node,
                             ContainerState state = ContainerState::kRunning) {
  ContainerInfo c;
  c.instance = std::move(instance);
  c.app = std::move(app);
  c.node = std::move(node);
  c.state = state;
  return c;
}

// The cluster after agents carried out `plan` (and every command in flight).
inline ClusterState Apply(ClusterState s, const Plan& plan) {
  std::vector<Command> all = s.in_flight;
  all.insert(all.end(), plan.commands.begin(), plan.commands.end());
  s.in_flight.clear();
  for (const Command& c : all) {
    auto it = std::find_if(s.containers.begin(), s.containers.end(),
                           [&](const ContainerInfo& x) { return x.instance == c.instance; });
    switch (c.kind) {
      case CommandKind::kStart:
        if (it == s.containers.end()) {
          ContainerInfo info =
              Running(c.instance, c.app, c.node,
                      c.start_paused ? ContainerState::kPaused : ContainerState::kRunning);
          info.standby = c.start_paused;
          s.containers.push_back(info);
        }
        break;
      case CommandKind::kStop:
        if (it != s.containers.end()) s.containers.erase(it);
        break;
      case CommandKind::kPause:
        if (it != s.containers.end()) it->state = ContainerState::kPaused;
        break;
      case CommandKind::kResume:
        if (it != s.containers.end()) it->state = ContainerState::kRunning;
        break;
    }
  }
  for (size_t i = 0; i < s.apps.size() && i < plan.apps.size(); ++i) {
    s.apps[i].next_ordinal = plan.apps[i].next_ordinal;
  }
  return s;
}

// Containers per app and per node after the plan (active ones only).
inline std::map<std::string, int> ActivePerApp(const ClusterState& s) {
  std::map<std::string, int> out;
  for (const ContainerInfo& c : s.containers) {
    if (c.state == ContainerState::kRunning || c.state == ContainerState::kStarting) {
      ++out[c.app];
    }
  }
  return out;
}

inline int CountKind(const Plan& p, CommandKind kind) {
  return static_cast<int>(std::count_if(p.commands.begin(), p.commands.end(),
                                        [&](const Command& c) { return c.kind == kind; }));
}

// A compact dump of a cluster for failure messages.
inline std::string Describe(const ClusterState& s) {
  std::ostringstream o;
  for (const NodeInfo& n : s.nodes) {
    o << "node " << n.name << " cpu=" << n.cpu_millis << " mem=" << n.memory_bytes / kMi
      << "Mi cap=" << n.max_containers << " ports=" << n.max_ports
      << (n.status == NodeStatus::kReady ? "" : " NotReady") << (n.cordoned ? " cordoned" : "")
      << (n.draining ? " draining" : "");
    for (const auto& [key, value] : n.labels) o << " " << key << "=" << value;
    o << "\n";
  }
  for (const AppInput& a : s.apps) {
    o << "app " << a.spec.name << " p=" << a.spec.priority << " cpu=" << a.spec.resources.cpu_millis
      << " mem=" << a.spec.resources.memory_bytes / kMi << "Mi min=" << a.spec.replicas.min
      << " max=" << a.spec.replicas.max << " desired=" << a.desired
      << (a.spec.preemptible ? "" : " non-preemptible")
      << (a.spec.preemption == PreemptionMode::kPause ? " pause" : "")
      << " standby=" << a.spec.standby << " next=" << a.next_ordinal;
    for (const auto& [key, value] : a.spec.node_selector) o << " selects " << key << "=" << value;
    if (!a.spec.ports.empty()) {
      o << (a.spec.network == NetworkMode::kHost ? " host-ports=" : " ports=")
        << a.spec.ports.size();
    }
    o << "\n";
  }
  for (const ContainerInfo& c : s.containers) {
    o << "  " << c.instance << " on " << c.node << " state=" << static_cast<int>(c.state) << "\n";
  }
  return o.str();
}

inline std::string Describe(const Plan& p) {
  std::ostringstream o;
  for (const Command& c : p.commands) {
    o << "cmd " << static_cast<int>(c.kind) << " " << c.instance << " on " << c.node
      << " reason=" << static_cast<int>(c.reason) << (c.start_paused ? " paused" : "") << "\n";
  }
  for (const AppAllocation& a : p.apps) {
    o << "fig " << a.app << " desired=" << a.desired << " alloc=" << a.allocated
      << " paused=" << a.paused << " pending=" << a.pending << " leaving=" << a.leaving
      << " preempted=" << a.preempted << "\n";
  }
  return o.str();
}

}  // namespace microscale::core::testing

#endif  // MICROSCALE_CONTROLLER_CORE_TEST_UTIL_H_
