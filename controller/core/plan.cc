#include "controller/core/plan.h"

#include <algorithm>

#include "controller/core/instance_id.h"

namespace microscale::core::internal {
namespace {

Command CommandFor(const Slot& s, CommandKind kind) {
  const ContainerInfo& c = *s.observed;
  return Command{kind, c.instance, c.app, c.node, s.reason, false};
}

// The command (if any) that takes existing slot `s` to its target.
void DiffExisting(const Slot& s, Plan& plan) {
  if (s.pause_in_flight) {
    if (!s.alive) {
      plan.commands.push_back(CommandFor(s, CommandKind::kStop));
    } else if (IsActive(s.target) && !s.deferred) {
      plan.commands.push_back(CommandFor(s, CommandKind::kResume));  // undoes the pause
    }
    return;
  }
  if (!s.alive) {
    plan.commands.push_back(CommandFor(s, CommandKind::kStop));
  } else if (s.initial == ContainerState::kPaused && IsActive(s.target) && !s.deferred) {
    plan.commands.push_back(CommandFor(s, CommandKind::kResume));
  } else if (IsActive(s.initial) && s.target == ContainerState::kPaused) {
    plan.commands.push_back(CommandFor(s, CommandKind::kPause));
  }
}

void DiffNew(World& w, const Slot& s, Plan& plan) {
  WorkApp& a = w.apps[s.app];
  if (s.deferred) {
    ++a.figures.pending;
    return;
  }
  const std::string& name = a.spec().name;
  plan.commands.push_back(Command{CommandKind::kStart, InstanceId(name, a.next_ordinal++), name,
                                  w.nodes[s.node].info->name, s.reason, s.start_paused});
}

void Figures(World& w, const Slot& s) {
  if (!s.alive) return;
  AppAllocation& f = w.apps[s.app].figures;
  if (IsActive(s.target)) {
    ++f.allocated;
    if (s.observed != nullptr && s.deferred) ++f.pending;  // a resume still waiting
  } else {
    ++f.paused;
  }
}

int KindRank(CommandKind k) {
  switch (k) {
    case CommandKind::kStop:
      return 0;
    case CommandKind::kPause:
      return 1;
    case CommandKind::kResume:
      return 2;
    case CommandKind::kStart:
      return 3;
  }
  return 4;
}

// A drain moves containers without a dip: the running containers of an app on draining
// nodes keep serving until as many of its containers run elsewhere as the allocation gives
// it there, and never leave the app below its min while capacity elsewhere is short. The
// rest stop; those kept are the first by instance id.
void StopLeaving(World& w, Plan& plan) {
  if (w.leaving.empty()) return;
  std::vector<int32_t> running_elsewhere(w.apps.size(), 0);
  for (const Slot& s : w.slots) {
    if (s.observed != nullptr && s.alive && s.initial == ContainerState::kRunning &&
        IsActive(s.target)) {
      ++running_elsewhere[s.app];
    }
  }
  std::vector<int32_t> leaving(w.apps.size(), 0);
  for (const Leaving& l : w.leaving) ++leaving[l.app];
  std::vector<int32_t> keep(w.apps.size(), 0);
  for (size_t i = 0; i < w.apps.size(); ++i) {
    if (leaving[i] == 0) continue;
    const WorkApp& a = w.apps[i];
    const int32_t now = running_elsewhere[i] + leaving[i];
    const int32_t hold = std::max(a.active, std::min(a.spec().replicas.min, now));
    keep[i] = std::clamp(hold - running_elsewhere[i], 0, leaving[i]);
  }
  std::sort(w.leaving.begin(), w.leaving.end(), [](const Leaving& x, const Leaving& y) {
    return x.container->instance < y.container->instance;
  });
  for (const Leaving& l : w.leaving) {
    if (keep[l.app] > 0) {
      --keep[l.app];
      ++w.apps[l.app].figures.leaving;
      continue;
    }
    const ContainerInfo& c = *l.container;
    plan.commands.push_back(
        Command{CommandKind::kStop, c.instance, c.app, c.node, CommandReason::kNodeDrained, false});
  }
}

}  // namespace

Plan EmitPlan(World& w) {
  Plan plan;
  for (const Slot& s : w.slots) {
    if (s.observed != nullptr) {
      DiffExisting(s, plan);
    } else if (s.alive) {
      DiffNew(w, s, plan);
    }
    Figures(w, s);
  }
  StopLeaving(w, plan);
  for (const Departure& d : w.departures) {
    const ContainerInfo& c = *d.container;
    plan.commands.push_back(
        Command{CommandKind::kStop, c.instance, c.app, c.node, d.reason, false});
  }
  std::sort(plan.commands.begin(), plan.commands.end(), [](const Command& a, const Command& b) {
    if (a.kind != b.kind) return KindRank(a.kind) < KindRank(b.kind);
    return a.instance < b.instance;
  });
  plan.apps.resize(w.apps.size());
  for (WorkApp& a : w.apps) {
    a.figures.standby = std::min(a.figures.paused, std::max(0, a.spec().standby));
    a.figures.next_ordinal = a.next_ordinal;
    plan.apps[a.input_index] = a.figures;
  }
  return plan;
}

}  // namespace microscale::core::internal
