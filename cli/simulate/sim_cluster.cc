#include "cli/simulate/sim_cluster.h"

#include <algorithm>
#include <utility>

#include "controller/core/decide.h"

namespace microscale::simulate {

SimCluster::SimCluster(const std::vector<AppSpec>& apps, const std::vector<core::NodeInfo>& nodes,
                       EngineDelays delays, core::DecideOptions options)
    : options_(options), delays_(delays) {
  state_.nodes = nodes;
  for (const AppSpec& spec : apps) {
    app_index_.emplace(spec.name, static_cast<int>(state_.apps.size()));
    state_.apps.push_back(core::AppInput{spec, spec.replicas.min, 0});
  }
  allocations_.resize(apps.size());
  for (size_t i = 0; i < apps.size(); ++i) allocations_[i].app = apps[i].name;
  counts_.resize(apps.size());
}

bool SimCluster::DecideAndApply(int64_t now_us, std::vector<int64_t>& preemptions,
                                int64_t& commands) {
  core::Plan plan = core::Decide(state_, options_);
  ++decisions_;
  waiting_for_room_ = false;
  for (size_t i = 0; i < plan.apps.size() && i < state_.apps.size(); ++i) {
    core::AppInput& app = state_.apps[i];
    app.next_ordinal = std::max(app.next_ordinal, plan.apps[i].next_ordinal);
    waiting_for_room_ |= plan.apps[i].pending > 0;
    allocations_[i] = std::move(plan.apps[i]);
  }
  bool immediate = false;
  for (const core::Command& command : plan.commands) {
    if (!Apply(command, now_us, immediate)) continue;
    ++commands;
    counts_stale_ = true;
    if (command.reason == core::CommandReason::kPreempted) {
      auto it = app_index_.find(command.app);
      if (it != app_index_.end()) ++preemptions[it->second];
    }
  }
  return immediate;
}

bool SimCluster::Apply(const core::Command& command, int64_t now_us, bool& immediate) {
  const std::string& instance = command.instance;
  switch (command.kind) {
    case core::CommandKind::kStart:
      if (container_index_.contains(instance) || ops_.contains(instance)) return false;
      Begin(command, now_us + delays_.start_us);
      return true;
    case core::CommandKind::kStop:
      Materialize(instance);
      if (Find(instance) == nullptr) return false;
      Cancel(instance);
      Begin(command, now_us + delays_.stop_us);
      return true;
    case core::CommandKind::kPause: {
      Materialize(instance);
      core::ContainerInfo* c = Find(instance);
      if (c == nullptr) return false;
      Cancel(instance);
      c->state = core::ContainerState::kPaused;
      c->standby = command.reason == core::CommandReason::kStandby;
      immediate = true;
      return true;
    }
    case core::CommandKind::kResume: {
      core::ContainerInfo* c = Find(instance);
      if (c == nullptr || c->state != core::ContainerState::kPaused) return false;
      Cancel(instance);
      c->standby = false;
      Begin(command, now_us + delays_.unpause_us);
      return true;
    }
  }
  return false;
}

void SimCluster::Begin(const core::Command& command, int64_t done_us) {
  const uint64_t seq = next_seq_++;
  ops_[command.instance] = Op{seq, command.kind};
  state_.in_flight.push_back(command);
  events_.push(Event{done_us, seq, command.instance});
}

std::optional<core::Command> SimCluster::Cancel(const std::string& instance) {
  if (ops_.erase(instance) == 0) return std::nullopt;
  auto& in_flight = state_.in_flight;
  auto it = std::find_if(in_flight.begin(), in_flight.end(),
                         [&](const core::Command& c) { return c.instance == instance; });
  if (it == in_flight.end()) return std::nullopt;
  core::Command command = std::move(*it);
  in_flight.erase(it);
  counts_stale_ = true;
  return command;
}

void SimCluster::Materialize(const std::string& instance) {
  auto op = ops_.find(instance);
  if (op == ops_.end() || op->second.kind != core::CommandKind::kStart) return;
  std::optional<core::Command> start = Cancel(instance);
  if (!start) return;
  AddContainer(
      {start->instance, start->app, start->node,
       start->start_paused ? core::ContainerState::kPaused : core::ContainerState::kStarting,
       start->start_paused, std::nullopt});
}

void SimCluster::AddContainer(core::ContainerInfo container) {
  container_index_[container.instance] = state_.containers.size();
  state_.containers.push_back(std::move(container));
  counts_stale_ = true;
}

void SimCluster::RemoveContainer(const std::string& instance) {
  auto it = container_index_.find(instance);
  if (it == container_index_.end()) return;
  const size_t index = it->second;
  container_index_.erase(it);
  auto& containers = state_.containers;
  if (index + 1 != containers.size()) {
    containers[index] = std::move(containers.back());
    container_index_[containers[index].instance] = index;
  }
  containers.pop_back();
  counts_stale_ = true;
}

core::ContainerInfo* SimCluster::Find(const std::string& instance) {
  auto it = container_index_.find(instance);
  return it == container_index_.end() ? nullptr : &state_.containers[it->second];
}

std::optional<int64_t> SimCluster::NextTransitionUs() {
  while (!events_.empty()) {
    const Event& top = events_.top();
    auto op = ops_.find(top.instance);
    if (op != ops_.end() && op->second.seq == top.seq) return top.at_us;
    events_.pop();  // its command was cancelled or replaced
  }
  return std::nullopt;
}

bool SimCluster::CompleteDue(int64_t now_us) {
  bool any = false;
  while (true) {
    std::optional<int64_t> next = NextTransitionUs();
    if (!next || *next > now_us) return any;
    Event event = events_.top();
    events_.pop();
    Complete(event);
    any = true;
  }
}

void SimCluster::Complete(const Event& event) {
  std::optional<core::Command> done = Cancel(event.instance);
  if (!done) return;
  switch (done->kind) {
    case core::CommandKind::kStart:
      AddContainer(
          {done->instance, done->app, done->node,
           done->start_paused ? core::ContainerState::kPaused : core::ContainerState::kRunning,
           done->start_paused, std::nullopt});
      break;
    case core::CommandKind::kStop:
      RemoveContainer(done->instance);
      break;
    case core::CommandKind::kResume:
      if (core::ContainerInfo* c = Find(done->instance)) c->state = core::ContainerState::kRunning;
      break;
    case core::CommandKind::kPause:  // immediate; never in flight
      break;
  }
  counts_stale_ = true;
}

const std::vector<AppCounts>& SimCluster::Counts() {
  if (!counts_stale_) return counts_;
  std::fill(counts_.begin(), counts_.end(), AppCounts{});
  for (const core::ContainerInfo& c : state_.containers) {
    auto app = app_index_.find(c.app);
    if (app == app_index_.end()) continue;
    AppCounts& n = counts_[app->second];
    ++n.held;
    auto op = ops_.find(c.instance);
    if (op != ops_.end() && op->second.kind == core::CommandKind::kStop) continue;
    switch (c.state) {
      case core::ContainerState::kRunning:
        ++n.running;
        break;
      case core::ContainerState::kStarting:
        ++n.starting;
        break;
      case core::ContainerState::kPaused:
        ++n.paused;
        break;
      case core::ContainerState::kStopping:
        break;
    }
  }
  for (const core::Command& command : state_.in_flight) {
    if (command.kind != core::CommandKind::kStart) continue;
    auto app = app_index_.find(command.app);
    if (app == app_index_.end()) continue;
    AppCounts& n = counts_[app->second];
    ++n.held;
    ++(command.start_paused ? n.paused : n.starting);
  }
  counts_stale_ = false;
  return counts_;
}

}  // namespace microscale::simulate
