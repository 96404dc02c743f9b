#include "controller/server/reconciler.h"

#include <algorithm>
#include <ctime>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "controller/core/decide.h"
#include "controller/server/container_spec.h"

namespace microscale {
namespace {

constexpr absl::Duration kMaxStartBackoff = absl::Seconds(30);
// A pass at least this long logs where its time went.
constexpr absl::Duration kSlowPass = absl::Milliseconds(500);
constexpr absl::Duration kWritesSettle = absl::Milliseconds(500);

// The CPU time the calling thread has used.
absl::Duration ThreadCpuTime() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return absl::ZeroDuration();
  return absl::DurationFromTimespec(ts);
}

// `d` to whole milliseconds, as the slow-pass log gives it.
absl::Duration Millis(absl::Duration d) { return absl::Trunc(d, absl::Milliseconds(1)); }

std::optional<core::ContainerState> CoreState(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_STATE_STARTING:
      return core::ContainerState::kStarting;
    case v1::CONTAINER_STATE_RUNNING:
      return core::ContainerState::kRunning;
    case v1::CONTAINER_STATE_PAUSED:
      return core::ContainerState::kPaused;
    case v1::CONTAINER_STATE_STOPPING:
      return core::ContainerState::kStopping;
    default:
      return std::nullopt;
  }
}

core::CommandKind CoreKind(CommandType type) {
  switch (type) {
    case CommandType::kStart:
      return core::CommandKind::kStart;
    case CommandType::kStop:
      return core::CommandKind::kStop;
    case CommandType::kPause:
      return core::CommandKind::kPause;
    case CommandType::kResume:
      return core::CommandKind::kResume;
  }
  return core::CommandKind::kStart;
}

CommandType TrackerType(core::CommandKind kind) {
  switch (kind) {
    case core::CommandKind::kStart:
      return CommandType::kStart;
    case core::CommandKind::kStop:
      return CommandType::kStop;
    case core::CommandKind::kPause:
      return CommandType::kPause;
    case core::CommandKind::kResume:
      return CommandType::kResume;
  }
  return CommandType::kStart;
}

// The event reason of a failed command, CamelCase like every other event reason.
// How long a stop of ours is remembered, so that the container's exit reported after it is
// not taken for a crash (see Reconciler::stopped_).
constexpr absl::Duration kStoppedMemory = absl::Minutes(10);

const char* FailureReason(CommandType type) {
  switch (type) {
    case CommandType::kStart:
      return "StartFailed";
    case CommandType::kStop:
      return "StopFailed";
    case CommandType::kPause:
      return "PauseFailed";
    case CommandType::kResume:
      return "ResumeFailed";
  }
  return "CommandFailed";
}

}  // namespace

Reconciler::Reconciler(ReconcilerDeps deps, ReconcilerOptions options)
    : deps_(deps),
      options_(options),
      started_(deps.clock.Now()),
      writer_([&store = deps.store](const AssignmentChanges& changes) {
        return store.ApplyAssignmentChanges(changes);
      }) {}

Reconciler::~Reconciler() { Stop(); }

absl::Status Reconciler::Load() {
  absl::StatusOr<std::vector<v1::Container>> stored = deps_.store.ListAssignments();
  if (!stored.ok()) return stored.status();
  absl::StatusOr<std::map<std::string, int64_t>> ordinals = deps_.store.GetNextOrdinals();
  if (!ordinals.ok()) return ordinals.status();
  for (const auto& [app, next] : *ordinals) deps_.apps.SetNextOrdinal(app, next);
  {
    absl::MutexLock pass(&pass_mu_);
    persisted_ordinals_ = *ordinals;
  }
  std::map<std::string, int32_t> per_app;
  for (const v1::Container& c : *stored) {
    if (c.state() != v1::CONTAINER_STATE_PAUSED) ++per_app[c.app()];
  }
  const absl::Time now = deps_.clock.Now();
  for (const auto& [app, count] : per_app) deps_.apps.SeedDesired(app, count, now);
  absl::MutexLock lock(&mu_);
  absl::MutexLock assigned(&assign_mu_);
  for (const v1::Container& c : *stored) {
    assignments_[c.instance()] = c;
    if (c.standby()) standby_.insert(c.instance());
    expected_nodes_.insert(c.node());
  }
  return absl::OkStatus();
}

void Reconciler::Start() {
  thread_ = std::thread([this] {
    NameThisThread("reconciler");
    Run();
  });
}

void Reconciler::Stop() {
  {
    absl::MutexLock lock(&wake_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  node_writers_.Wait();
  persister_.Wait();
  writer_.Flush();
}

void Reconciler::MarkDirty() {
  absl::MutexLock lock(&wake_mu_);
  dirty_ = true;
}

void Reconciler::Run() {
  while (true) {
    bool dirty = false;
    {
      absl::MutexLock lock(&wake_mu_);
      auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(wake_mu_) { return dirty_ || stopping_; };
      wake_mu_.AwaitWithTimeout(absl::Condition(&wake), options_.resync);
      if (stopping_) return;
      dirty = std::exchange(dirty_, false);
      ++loop_counts_.wakeups;
    }
    CollectGoneNodes();
    if (!dirty && IdleSince(deps_.nodes.Health(deps_.clock.Now()))) continue;
    {
      absl::MutexLock lock(&wake_mu_);
      ++loop_counts_.passes;
    }
    ReconcileOnce();
    // The next pass waits for this one's writes to be handed to the streams (at most
    // kWritesSettle: a stream whose agent stopped reading holds its writer longer). Until
    // then the state it would read is changing under it, and at 100,000 containers it
    // read nothing new and took a second of wall time for 0.2 s of CPU, in the way of the
    // writes themselves.
    node_writers_.WaitFor(kWritesSettle);
  }
}

Reconciler::LoopCounts Reconciler::loop_counts() const {
  absl::MutexLock lock(&wake_mu_);
  return loop_counts_;
}

bool Reconciler::IdleSince(const std::vector<NodeHealthMark>& health) const {
  if (!deps_.tracker.Empty() || !StartupSettled()) return false;
  const absl::Time now = deps_.clock.Now();
  absl::MutexLock lock(&mu_);
  if (last_pass_sent_ || now - last_pass_ >= options_.full_resync || health != last_health_) {
    return false;
  }
  // A start held back by its backoff, or by a crash loop, is due once the hold ends; a
  // crash loop also ends (its condition goes) `reset_after` past its last hold.
  auto due = [&](absl::Time t) { return t > last_pass_ && t <= now; };
  for (const auto& [app, backoff] : start_backoff_) {
    if (due(backoff.until)) return false;
  }
  for (const auto& [instance, backoff] : stop_backoff_) {
    if (due(backoff.until)) return false;
  }
  for (const auto& [app, loop] : crash_loops_.All()) {
    if (due(loop.until) || due(crash_loops_.EndsAt(loop))) return false;
  }
  return true;
}

bool Reconciler::StartHeld(const std::string& app, absl::Time now) const {
  auto it = start_backoff_.find(app);
  return (it != start_backoff_.end() && now < it->second.until) || crash_loops_.Holding(app, now);
}

void Reconciler::EndCrashLoops(absl::Time now) {
  std::vector<std::string> over;
  {
    absl::MutexLock lock(&mu_);
    over = crash_loops_.Expire(now);
  }
  for (const std::string& app : over) {
    deps_.apps.SetCrashLoop(app, std::nullopt, now);
    deps_.metrics.EndCrashLoop(app);
  }
}

bool Reconciler::StartupSettled() const {
  if (deps_.clock.Now() - started_ >= options_.startup_grace) return true;
  absl::MutexLock lock(&mu_);
  return !deps_.nodes.AnyMissing(expected_nodes_);
}

std::set<std::string> Reconciler::Leaving() const {
  std::set<std::string> out;
  for (const InFlightCommand& c : deps_.tracker.Pending()) {
    if (c.type == CommandType::kStop || c.type == CommandType::kPause) out.insert(c.instance);
  }
  return out;
}

bool Reconciler::IsStandby(const std::string& instance) const {
  absl::MutexLock lock(&mu_);
  return standby_.contains(instance);
}

absl::StatusOr<int> Reconciler::ForgetNode(const std::string& node, std::string_view why) {
  const absl::Time now = deps_.clock.Now();
  std::optional<NodeView> view = deps_.nodes.Get(node, now);
  if (view.has_value() && view->health != NodeHealth::kNotReady) {
    return absl::FailedPreconditionError(absl::StrCat(
        "node ", node, " is ", view->health == NodeHealth::kReady ? "Ready" : "just disconnected",
        ": only a NotReady node can be deleted (stop its agent, or drain it first and wait "
        "for NotReady)"));
  }
  if (view.has_value() && !deps_.nodes.ForgetNotReady(node, now)) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", node, " reconnected: only a NotReady node can be deleted"));
  }
  // Before the assignments go: a pass that reads the commands in flight after this no
  // longer sees the node's, and one that read them earlier finds the node in
  // forgotten_at_ with a later number than its own.
  deps_.tracker.DropNode(node);
  AssignmentChanges changes;
  {
    absl::MutexLock lock(&mu_);
    absl::MutexLock assigned(&assign_mu_);
    forgotten_at_[node] = ++forget_seq_;
    for (auto it = assignments_.begin(); it != assignments_.end();) {
      if (it->second.node() == node) {
        changes.removals.push_back(it->first);
        standby_.erase(it->first);
        it = assignments_.erase(it);
      } else {
        ++it;
      }
    }
    const bool expected = expected_nodes_.erase(node) > 0;
    if (!view.has_value() && changes.removals.empty() && !expected) {
      return absl::NotFoundError(absl::StrCat("node ", node, " not found"));
    }
    draining_.erase(node);
  }
  const size_t forgotten = changes.removals.size();
  writer_.Submit(std::move(changes));
  if (absl::Status s = deps_.store.SetCordon(node, false); !s.ok()) {
    LogError("clearing a deleted node's cordon failed", {{"node", node}, {"error", s}});
  }
  absl::StatusOr<std::set<std::string>> cordons = deps_.store.ListCordons();
  if (cordons.ok()) deps_.nodes.SetCordons(*cordons);
  deps_.events.Add(now, "NodeDeleted", "node/" + node,
                   absl::StrCat(std::string(why), "; ", forgotten, " instance(s) forgotten"));
  LogInfo("node forgotten", {{"node", node}, {"why", why}});
  MarkDirty();
  return static_cast<int>(forgotten);
}

void Reconciler::CollectGoneNodes() {
  if (options_.node_gc <= absl::ZeroDuration()) return;
  const absl::Time now = deps_.clock.Now();
  std::vector<std::string> gone = deps_.nodes.NotReadyLongerThan(options_.node_gc, now);
  // Nodes held from the store since a restart that never came back count from the start.
  if (now - started_ > options_.node_gc + options_.startup_grace) {
    absl::MutexLock lock(&mu_);
    for (const std::string& node : expected_nodes_) {
      if (deps_.nodes.AnyMissing({node})) gone.push_back(node);
    }
  }
  const std::string why = absl::StrCat("NotReady for more than ",
                                       absl::FormatDuration(options_.node_gc), " (--node-gc)");
  for (const std::string& node : gone) {
    if (absl::Status s = ForgetNode(node, why).status(); !s.ok() && !absl::IsNotFound(s)) {
      LogWarn("node not forgotten", {{"node", node}, {"error", s}});
    }
  }
}

bool Reconciler::IsDraining(const std::string& node) const {
  absl::MutexLock lock(&mu_);
  return draining_.contains(node);
}

void Reconciler::SetDraining(const std::string& node, bool draining) {
  {
    absl::MutexLock lock(&mu_);
    if (draining) {
      draining_.insert(node);
    } else {
      draining_.erase(node);
    }
  }
  MarkDirty();
}

v1::Sync Reconciler::SyncFor(const std::string& node) const {
  absl::ReaderMutexLock lock(&assign_mu_);
  v1::Sync sync;
  for (const auto& [instance, container] : assignments_) {
    if (container.node() == node) *sync.add_containers() = container;
  }
  return sync;
}

void Reconciler::OnCommandResult(const InFlightCommand& command, const v1::CommandResult& result) {
  const absl::Time now = deps_.clock.Now();
  deps_.metrics.CountCommand(CommandTypeName(command.type), result.ok() ? "ok" : "error");
  deps_.metrics.ObserveCommandLatency(absl::ToDoubleSeconds(now - command.sent));
  if (result.ok()) {
    // Left for the next pass (TakeResults): a pass may hold mu_ for seconds at scale, and
    // this runs on the node's stream reader.
    absl::MutexLock lock(&wake_mu_);
    if (command.type == CommandType::kStart) {
      started_apps_.push_back(command.app);
    } else if (command.type == CommandType::kStop) {
      stopped_instances_.emplace_back(command.instance, now);
    }
    dirty_ = true;
    return;
  }
  LogWarn("command failed", {{"type", CommandTypeName(command.type)},
                             {"instance", command.instance},
                             {"node", command.node},
                             {"error", result.error()}});
  deps_.events.Add(now, FailureReason(command.type), "app/" + command.app,
                   absl::StrCat(command.instance, " on ", command.node, ": ", result.error()));
  if (command.type == CommandType::kStart) {
    // A success of the app's start left for the next pass came before this failure: it
    // must not end the backoff that this failure begins.
    absl::MutexLock lock(&wake_mu_);
    std::erase(started_apps_, command.app);
  }
  if (command.type == CommandType::kStart || command.type == CommandType::kStop) {
    absl::MutexLock lock(&mu_);
    CommandBackoff& backoff = command.type == CommandType::kStart ? start_backoff_[command.app]
                                                                  : stop_backoff_[command.instance];
    backoff.delay = std::min(kMaxStartBackoff, std::max(absl::Seconds(1), backoff.delay * 2));
    backoff.until = now + backoff.delay;
  }
  MarkDirty();
}

core::ClusterState Reconciler::BuildState(const std::vector<NodeView>& nodes,
                                          const std::vector<InFlightCommand>& pending,
                                          std::vector<v1::Container>* exited,
                                          std::vector<v1::Container>* unhealthy) const {
  core::ClusterState state;
  state.apps = deps_.apps.Inputs();
  std::set<std::string> checked_apps;  // apps with a health check
  for (const core::AppInput& app : state.apps) {
    if (app.spec.health_check) checked_apps.insert(app.spec.name);
  }
  std::set<std::string> commanded;  // instances with a command in flight
  for (const InFlightCommand& command : pending) commanded.insert(command.instance);
  std::set<std::string> seen_nodes;
  absl::MutexLock lock(&mu_);
  // A standby start in flight ends paused; the agent may report the container running for
  // the moment between its start and its pause.
  std::set<std::string> standby_starts;
  for (const InFlightCommand& command : pending) {
    if (command.type == CommandType::kStart && standby_.contains(command.instance)) {
      standby_starts.insert(command.instance);
    }
  }
  for (const NodeView& node : nodes) {
    seen_nodes.insert(node.name);
    core::NodeInfo info;
    info.name = node.name;
    info.cpu_millis = node.capacity.cpu_millis();
    info.memory_bytes = node.capacity.memory_bytes();
    info.max_containers = node.capacity.max_containers();
    info.max_ports = node.capacity.ports();
    info.labels = node.labels;
    info.status = node.health == NodeHealth::kNotReady ? core::NodeStatus::kNotReady
                                                       : core::NodeStatus::kReady;
    // An unreachable node keeps its containers counted but gets nothing new until it is
    // back or times out.
    info.cordoned = node.cordoned || node.health == NodeHealth::kUnreachable;
    info.draining = draining_.contains(node.name) && node.health == NodeHealth::kReady;
    state.nodes.push_back(info);
    for (const auto& [instance, container] : node.containers) {
      std::optional<core::ContainerState> s = CoreState(container.state());
      if (!s) {
        if (container.state() == v1::CONTAINER_STATE_EXITED) exited->push_back(container);
        continue;
      }
      core::ContainerInfo c;
      c.instance = instance;
      c.app = container.app();
      c.node = node.name;
      c.state = standby_starts.contains(instance) && *s != core::ContainerState::kStopping
                    ? core::ContainerState::kPaused
                    : *s;
      c.standby = standby_.contains(instance);
      c.published_ports = container.ports_size();
      if (container.started_unix_ms() > 0) {
        c.started = absl::FromUnixMillis(container.started_unix_ms());
      }
      if (checked_apps.contains(c.app)) {
        // A container created before the app had its check reports none: it counts as ready.
        c.healthy = container.health() == v1::HEALTH_HEALTHY ||
                    container.health() == v1::HEALTH_UNSPECIFIED;
        if (container.health() == v1::HEALTH_UNHEALTHY &&
            c.state == core::ContainerState::kRunning && !commanded.contains(instance)) {
          c.state = core::ContainerState::kStopping;  // replaced: see ReplaceUnhealthy
          v1::Container gone = container;
          gone.set_node(node.name);
          unhealthy->push_back(std::move(gone));
        }
      }
      state.containers.push_back(std::move(c));
    }
  }
  // Assignments on nodes that have not come back since a restart: not counted, not stopped.
  // Only those nodes are expected and unseen (a node stays in the registry until it is
  // forgotten, and then its assignments go), so most passes skip the 100,000 assignments.
  std::set<std::string> unseen;
  for (const std::string& node : expected_nodes_) {
    if (!seen_nodes.contains(node)) unseen.insert(node);
  }
  if (!unseen.empty()) {
    absl::ReaderMutexLock assigned(&assign_mu_);
    for (const auto& [instance, container] : assignments_) {
      if (!unseen.contains(container.node())) continue;
      core::ContainerInfo c;
      c.instance = instance;
      c.app = container.app();
      c.node = container.node();
      c.state = CoreState(container.state()).value_or(core::ContainerState::kRunning);
      c.standby = standby_.contains(instance);
      state.containers.push_back(std::move(c));
    }
  }
  for (const InFlightCommand& command : pending) {
    core::Command in_flight{CoreKind(command.type), command.instance, command.app, command.node};
    const bool standby = standby_.contains(command.instance);
    in_flight.start_paused = command.type == CommandType::kStart && standby;
    if (command.type == CommandType::kPause) {
      in_flight.reason = standby ? core::CommandReason::kStandby : core::CommandReason::kPreempted;
    }
    state.in_flight.push_back(std::move(in_flight));
  }
  return state;
}

void Reconciler::TakeResults() {
  std::vector<std::string> started;
  std::vector<std::pair<std::string, absl::Time>> stopped;
  {
    absl::MutexLock lock(&wake_mu_);
    started.swap(started_apps_);
    stopped.swap(stopped_instances_);
  }
  if (started.empty() && stopped.empty()) return;
  absl::MutexLock lock(&mu_);
  for (const std::string& app : started) start_backoff_.erase(app);
  for (auto& [instance, at] : stopped) {
    stop_backoff_.erase(instance);
    stopped_[std::move(instance)] = at;
  }
}

void Reconciler::ReconcileOnce() {
  absl::MutexLock pass(&pass_mu_);
  TakeResults();
  const absl::Time now = deps_.clock.Now();
  // Where a pass's time goes, logged when the pass is slow: each phase's wall time and the
  // CPU this thread used in it (on busy cores the pass waits for a core: wall time well
  // above its CPU).
  const absl::Duration cpu_at_start = ThreadCpuTime();
  absl::Time mark = now;
  absl::Duration cpu_mark = cpu_at_start;
  struct Phase {
    absl::Duration wall, cpu;
  };
  auto lap = [&] {
    const absl::Time t = deps_.clock.Now();
    const absl::Duration cpu = ThreadCpuTime();
    return Phase{Millis(t - std::exchange(mark, t)), Millis(cpu - std::exchange(cpu_mark, cpu))};
  };
  ResendLost(now);
  if (!StartupSettled()) return;
  EndCrashLoops(now);
  int64_t read_seq = 0;  // nodes forgotten from here on stay out of this pass's Persist
  {
    absl::MutexLock lock(&assign_mu_);
    read_seq = forget_seq_;
  }
  // Commands in flight are read before the nodes: the gateway records a result in the
  // registry before it completes the command, so each command shows up in one or the other.
  std::vector<InFlightCommand> pending = deps_.tracker.Pending();
  std::vector<NodeView> nodes = deps_.nodes.Snapshot(now);
  std::vector<v1::Container> exited, unhealthy;
  core::ClusterState state = BuildState(nodes, pending, &exited, &unhealthy);
  ForgetGoneStandby(state);
  const Phase read = lap();
  auto decided = std::make_shared<const core::Plan>(
      core::Decide(state, core::DecideOptions{options_.placement}));
  const core::Plan& plan = *decided;
  const Phase decide = lap();
  // Instance ids are reserved durably before any start uses them: a controller killed
  // right after sending must not hand the same id out again after its restart.
  PersistOrdinals(plan);
  const Phase ordinals = lap();
  // Exits first: a crash puts its app's starts on hold before this pass's starts go out.
  CleanUpExited(exited, now);
  ReplaceUnhealthy(unhealthy, now);
  Batch batch;
  const std::vector<const core::Command*> started = Execute(plan, state, now, batch);
  ResumeStalledStarts(nodes, pending, plan, now);
  const Phase send = lap();
  {
    // Once every expected node is back, what they report is the whole truth.
    absl::MutexLock lock(&mu_);
    std::erase_if(expected_nodes_,
                  [&](const std::string& n) { return !deps_.nodes.AnyMissing({n}); });
  }
  // The report before the plan's writes: once they are posted, the node writers, the gRPC
  // threads and (on a small machine) the agents take the cores for a while, and the
  // report, a few tens of milliseconds of CPU, took ten times that in wall time behind
  // them at 100,000 containers.
  Report(plan, nodes, now);
  const Phase report = lap();
  Flush(batch);
  PersistLater(PassRecord{std::make_shared<const core::ClusterState>(std::move(state)),
                          std::move(pending), decided, started, read_seq});
  {
    absl::MutexLock lock(&mu_);
    last_health_.clear();
    for (const NodeView& node : nodes) {
      last_health_.push_back({node.name, node.health, node.cordoned});
    }
    last_pass_ = now;
    last_pass_sent_ = !plan.commands.empty() || !exited.empty();
  }
  const absl::Duration took = deps_.clock.Now() - now;
  deps_.metrics.ObserveReconcile(absl::ToDoubleSeconds(took));
  if (took >= kSlowPass) {
    LogInfo("slow reconcile pass", {{"took", absl::Trunc(took, absl::Milliseconds(1))},
                                    {"commands", plan.commands.size()},
                                    {"read", read.wall},
                                    {"decide", decide.wall},
                                    {"ordinals", ordinals.wall},
                                    {"send", send.wall},
                                    {"report", report.wall},
                                    {"cpu", Millis(ThreadCpuTime() - cpu_at_start)},
                                    {"read_cpu", read.cpu},
                                    {"decide_cpu", decide.cpu},
                                    {"ordinals_cpu", ordinals.cpu},
                                    {"send_cpu", send.cpu},
                                    {"report_cpu", report.cpu}});
  }
}

std::vector<const core::Command*> Reconciler::Execute(const core::Plan& plan,
                                                      const core::ClusterState& state,
                                                      absl::Time now, Batch& batch) {
  std::map<std::string, std::map<std::string, int>> counts;  // app -> what -> n
  std::vector<const core::Command*> starts;
  if (!plan.commands.empty()) {
    batch.apps.reserve(state.apps.size());
    for (const core::AppInput& a : state.apps) batch.apps[a.spec.name].spec = &a.spec;
  }
  for (const core::Command& command : plan.commands) {
    if (command.kind == core::CommandKind::kStart) {
      absl::MutexLock lock(&mu_);
      if (StartHeld(command.app, now)) continue;
    }
    if (!Send(command, now, 1, &batch)) continue;
    if (command.kind == core::CommandKind::kStart) starts.push_back(&command);
    std::string what = command.kind == core::CommandKind::kStart   ? "started"
                       : command.kind == core::CommandKind::kStop  ? "stopped"
                       : command.kind == core::CommandKind::kPause ? "paused"
                                                                   : "resumed";
    if (command.reason == core::CommandReason::kPreempted) {
      what = absl::StrCat(what, " (preempted)");
      deps_.metrics.CountPreemptions(command.app, 1);
    }
    ++counts[command.app][what];
  }
  for (const auto& [app, whats] : counts) {
    std::string message;
    for (const auto& [what, n] : whats) {
      absl::StrAppend(&message, message.empty() ? "" : ", ", what, " ", n);
    }
    deps_.events.Add(now, "Scaling", "app/" + app, message + " container(s)");
  }
  return starts;
}

void Reconciler::ResendLost(absl::Time now) {
  for (const InFlightCommand& lost : deps_.tracker.Expire(now, options_.command_timeout)) {
    deps_.metrics.CountCommand(CommandTypeName(lost.type), "timeout");
    const absl::Duration waited = now - lost.sent;
    if (lost.attempt >= kCommandAttempts) {
      LogWarn("command got no result; giving it up, the next pass decides again",
              {{"instance", lost.instance}, {"node", lost.node}, {"attempts", lost.attempt}});
      continue;
    }
    core::Command again{CoreKind(lost.type), lost.instance, lost.app, lost.node};
    again.start_paused = lost.start_paused;
    if (again.kind == core::CommandKind::kPause) {  // a standby pause stays one
      absl::MutexLock lock(&mu_);
      again.reason = standby_.contains(lost.instance) ? core::CommandReason::kStandby
                                                      : core::CommandReason::kPreempted;
    }
    // Commands are idempotent by instance on the agent: a start of a running instance
    // returns it, a stop of a gone one succeeds, a duplicate of one still running gets its
    // result. So sending again is safe, and a lost one is made good.
    if (Send(again, now, lost.attempt + 1)) {
      LogWarn("command got no result in time; sent it again",
              {{"type", CommandTypeName(lost.type)},
               {"instance", lost.instance},
               {"node", lost.node},
               {"waited", absl::FormatDuration(absl::Trunc(waited, absl::Milliseconds(1)))},
               {"attempt", lost.attempt + 1}});
    }
  }
}

bool Reconciler::Send(const core::Command& command, absl::Time now, int attempt, Batch* batch) {
  std::shared_ptr<AgentConnection> connection;
  if (batch != nullptr) {
    auto [it, added] = batch->nodes.try_emplace(command.node);
    if (added) it->second.first = deps_.nodes.Connection(command.node);
    connection = it->second.first;
  } else {
    connection = deps_.nodes.Connection(command.node);
  }
  if (connection == nullptr) return false;
  if (command.kind == core::CommandKind::kStop) {
    absl::MutexLock lock(&mu_);
    auto held = stop_backoff_.find(command.instance);
    if (held != stop_backoff_.end() && now < held->second.until) return false;
  }
  std::optional<AppEntry> looked_up;  // outside a pass's batch: the app as it is now
  Batch::App unbatched;
  Batch::App* app_info = &unbatched;
  if (batch != nullptr) {
    auto it = batch->apps.find(command.app);
    if (it != batch->apps.end()) app_info = &it->second;
  } else if ((looked_up = deps_.apps.Get(command.app))) {
    unbatched.spec = &looked_up->spec;
  }
  const AppSpec* app = app_info->spec;
  CommandType type = TrackerType(command.kind);
  // The result's deadline doubles with each attempt, up to command_timeout; a stop may
  // take its stop timeout on top.
  absl::Duration deadline = options_.command_deadline;
  for (int i = 1; i < attempt; ++i) deadline *= 2;
  deadline = std::min(deadline, options_.command_timeout);
  if (command.kind == core::CommandKind::kStop && app != nullptr) {
    deadline += absl::Seconds(app->stop_timeout_seconds);
  }
  // Its deadline runs from its write, which the node's writer makes (WriteToNode).
  std::string id =
      deps_.tracker.Issue(command.node, command.instance, command.app, type, now,
                          {attempt, deadline, command.start_paused, /*awaiting_write=*/true});
  v1::ControllerMessage message;
  message.set_command_id(id);
  switch (command.kind) {
    case core::CommandKind::kStart: {
      if (app == nullptr) {
        deps_.tracker.Complete(id);
        return false;
      }
      v1::StartContainer* start = message.mutable_start();
      start->set_instance(command.instance);
      std::optional<v1::ContainerSpec>& spec = app_info->container[command.start_paused ? 1 : 0];
      if (!spec.has_value()) spec = ContainerSpecFor(*app, command.start_paused);
      *start->mutable_spec() = *spec;
      break;
    }
    case core::CommandKind::kStop: {
      v1::StopContainer* stop = message.mutable_stop();
      stop->set_instance(command.instance);
      stop->set_timeout_seconds(app != nullptr ? app->stop_timeout_seconds : 10);
      break;
    }
    case core::CommandKind::kPause:
      message.mutable_pause()->set_instance(command.instance);
      break;
    case core::CommandKind::kResume:
      message.mutable_resume()->set_instance(command.instance);
      break;
  }
  if (batch != nullptr) {
    batch->nodes[command.node].second.push_back({id, type, std::move(message)});
  } else {
    std::vector<Batch::Message> one;
    one.push_back({id, type, std::move(message)});
    PostWrites(command.node, std::move(connection), std::move(one));
  }
  NoteStandby(command);
  return true;
}

void Reconciler::Flush(Batch& batch) {
  for (auto& [node, entry] : batch.nodes) {
    auto& [connection, messages] = entry;
    if (connection == nullptr || messages.empty()) continue;
    PostWrites(node, std::move(connection), std::move(messages));
  }
}

void Reconciler::PostWrites(const std::string& node, std::shared_ptr<AgentConnection> connection,
                            std::vector<Batch::Message> messages) {
  deps_.metrics.AddNodeWritesQueued(1);
  node_writers_.Post(
      node, [this, connection = std::move(connection), messages = std::move(messages)]() mutable {
        WriteToNode(*connection, messages);
        deps_.metrics.AddNodeWritesQueued(-1);
      });
}

void Reconciler::WriteToNode(AgentConnection& connection, std::vector<Batch::Message>& messages) {
  std::vector<v1::ControllerMessage*> out;
  out.reserve(messages.size());
  for (Batch::Message& m : messages) out.push_back(&m.message);
  const size_t written = connection.SendAll(out);
  std::vector<std::string> ids;
  ids.reserve(written);
  for (size_t i = 0; i < written; ++i) ids.push_back(messages[i].id);
  deps_.tracker.MarkWritten(ids, deps_.clock.Now());
  for (size_t i = written; i < messages.size(); ++i) {
    deps_.tracker.Complete(messages[i].id);
    deps_.metrics.CountCommand(CommandTypeName(messages[i].type), "unsent");
  }
}

void Reconciler::NoteStandby(const core::Command& command) {
  absl::MutexLock lock(&mu_);
  switch (command.kind) {
    case core::CommandKind::kStart:
      if (command.start_paused) {
        standby_.insert(command.instance);
      } else {
        standby_.erase(command.instance);
      }
      break;
    case core::CommandKind::kPause:
      if (command.reason == core::CommandReason::kStandby) {
        standby_.insert(command.instance);
      } else {
        standby_.erase(command.instance);
      }
      break;
    case core::CommandKind::kResume:
      standby_.erase(command.instance);
      break;
    case core::CommandKind::kStop:  // dropped once the instance is gone (ForgetGoneStandby)
      break;
  }
}

void Reconciler::ForgetGoneStandby(const core::ClusterState& state) {
  {
    absl::MutexLock lock(&mu_);
    if (standby_.empty()) return;  // most passes: no set of every live instance to build
  }
  std::set<std::string> live;
  for (const core::ContainerInfo& c : state.containers) live.insert(c.instance);
  for (const core::Command& c : state.in_flight) live.insert(c.instance);
  absl::MutexLock lock(&mu_);
  std::erase_if(standby_, [&](const std::string& instance) { return !live.contains(instance); });
}

void Reconciler::ResumeStalledStarts(const std::vector<NodeView>& nodes,
                                     const std::vector<InFlightCommand>& pending,
                                     const core::Plan& plan, absl::Time now) {
  // The containers reported starting first (few, or none): a set of every instance with a
  // command, 100,000 strings in a pass of a large scale-up, cost more than the rest of
  // the search.
  struct Stalled {
    const std::string* instance;
    const std::string* node;
    const v1::Container* container;
  };
  std::vector<Stalled> stalled;  // in the nodes' order
  for (const NodeView& node : nodes) {
    if (node.health != NodeHealth::kReady) continue;
    for (const auto& [instance, container] : node.containers) {
      if (container.state() == v1::CONTAINER_STATE_STARTING) {
        stalled.push_back({&instance, &node.name, &container});
      }
    }
  }
  if (stalled.empty()) return;
  absl::flat_hash_map<std::string_view, bool> busy;  // instance -> has a command
  for (const Stalled& found : stalled) busy.emplace(*found.instance, false);
  auto mark_busy = [&](const std::string& instance) {
    auto it = busy.find(instance);
    if (it != busy.end()) it->second = true;
  };
  for (const InFlightCommand& c : pending) mark_busy(c.instance);
  for (const core::Command& c : plan.commands) mark_busy(c.instance);
  for (const Stalled& found : stalled) {
    if (busy[*found.instance]) continue;
    const std::string& app = found.container->app();
    core::Command start{core::CommandKind::kStart, *found.instance, app, *found.node};
    {
      absl::MutexLock lock(&mu_);
      if (StartHeld(app, now)) continue;
      start.start_paused = standby_.contains(start.instance);
    }
    if (Send(start, now)) {
      LogInfo("starting a container again: reported starting with no command in flight",
              {{"instance", start.instance}, {"node", *found.node}});
    }
  }
}

void Reconciler::ReplaceUnhealthy(const std::vector<v1::Container>& unhealthy, absl::Time now) {
  std::map<std::string, std::vector<std::string>> by_app;
  for (const v1::Container& container : unhealthy) {
    if (!Send(core::Command{core::CommandKind::kStop, container.instance(), container.app(),
                            container.node(), core::CommandReason::kScaleDown},
              now)) {
      continue;
    }
    by_app[container.app()].push_back(container.instance());
  }
  for (const auto& [app, instances] : by_app) {
    std::optional<AppEntry> entry = deps_.apps.Get(app);
    const int retries = entry && entry->spec.health_check ? entry->spec.health_check->retries : 0;
    deps_.events.Add(now, "Unhealthy", "app/" + app,
                     absl::StrCat("replacing ", absl::StrJoin(instances, ", "),
                                  ": the health check failed ", retries, " times in a row"));
  }
}

void Reconciler::CleanUpExited(const std::vector<v1::Container>& exited, absl::Time now) {
  // The exited ones with a command in flight (not every instance in flight: at 100,000
  // containers a pass may have tens of thousands).
  std::set<std::string> in_flight;
  if (!exited.empty()) {
    std::set<std::string> exited_instances;
    for (const v1::Container& container : exited) exited_instances.insert(container.instance());
    for (const InFlightCommand& c : deps_.tracker.Pending()) {
      if (exited_instances.contains(c.instance)) in_flight.insert(c.instance);
    }
  }
  std::set<std::string> ours;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = stopped_.begin(); it != stopped_.end();) {
      it = now - it->second > kStoppedMemory ? stopped_.erase(it) : std::next(it);
    }
    for (auto it = stop_backoff_.begin(); it != stop_backoff_.end();) {
      it = now - it->second.until > kStoppedMemory ? stop_backoff_.erase(it) : std::next(it);
    }
    for (const v1::Container& container : exited) {
      if (stopped_.contains(container.instance())) ours.insert(container.instance());
    }
  }
  for (const v1::Container& container : exited) {
    if (in_flight.contains(container.instance())) continue;
    if (ours.contains(container.instance())) {  // the end of our own stop: just clear it up
      Send(core::Command{core::CommandKind::kStop, container.instance(), container.app(),
                         container.node(), core::CommandReason::kScaleDown},
           now);
      continue;
    }
    // How long it ran: from the engine's start time to now, when its exit is seen.
    const absl::Duration ran =
        container.started_unix_ms() > 0
            ? std::max(absl::ZeroDuration(),
                       now - absl::FromUnixMillis(container.started_unix_ms()))
            : absl::ZeroDuration();
    std::optional<CrashLoop> loop;
    {
      absl::MutexLock lock(&mu_);
      loop = crash_loops_.OnExit(container.app(), container.instance(), container.exit_code(), ran,
                                 now);
      stopped_[container.instance()] = now;  // counted once, however often it is seen again
    }
    const std::string ran_text = absl::FormatDuration(absl::Trunc(ran, absl::Seconds(1)));
    if (loop.has_value()) {
      deps_.metrics.CountCrash(container.app(), loop->delay);
      deps_.apps.SetCrashLoop(container.app(), loop, now);
      deps_.events.Add(
          now, "CrashLoopBackOff", "app/" + container.app(),
          absl::StrCat(container.instance(), " on ", container.node(), " exited with code ",
                       container.exit_code(), " after ", ran_text, " (crash ", loop->crashes,
                       " in a row); its replacement starts in ",
                       absl::FormatDuration(loop->delay)));
    } else {
      deps_.events.Add(
          now, "ContainerExited", "app/" + container.app(),
          absl::StrCat(container.instance(), " on ", container.node(), " exited with code ",
                       container.exit_code(), " after ", ran_text, "; replacing it"));
    }
    Send(core::Command{core::CommandKind::kStop, container.instance(), container.app(),
                       container.node(), core::CommandReason::kScaleDown},
         now);
  }
}

namespace {

// One assignment as the store keeps it: instance, app, node and state, by reference into
// the pass's state (no copy of 100,000 of them to find the few that changed).
struct Assigned {
  const std::string* instance;
  const std::string* app;
  const std::string* node;
  v1::ContainerState state;
};

bool ByInstance(const Assigned& a, const Assigned& b) { return *a.instance < *b.instance; }

// Sorts `list` by instance and keeps one of each instance: the first given, or the last.
void SortKeepingOne(std::vector<Assigned>& list, bool keep_last) {
  auto same = [](const Assigned& a, const Assigned& b) { return *a.instance == *b.instance; };
  std::stable_sort(list.begin(), list.end(), ByInstance);
  if (keep_last) std::reverse(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end(), same), list.end());
  if (keep_last) std::reverse(list.begin(), list.end());
}

v1::Container StoredAssignment(const Assigned& a, bool standby) {
  v1::Container out;
  out.set_instance(*a.instance);
  out.set_app(*a.app);
  out.set_node(*a.node);
  out.set_state(a.state);
  out.set_standby(standby);
  return out;
}

}  // namespace

void Reconciler::PersistLater(PassRecord record) {
  std::optional<PassRecord> replaced;  // destroyed outside the lock
  {
    absl::MutexLock lock(&persist_mu_);
    const bool queued = waiting_record_.has_value();
    replaced = std::exchange(waiting_record_, std::move(record));
    if (queued) return;  // the job posted for it takes this one instead
  }
  persister_.Post("", [this] {
    std::optional<PassRecord> next;
    {
      absl::MutexLock lock(&persist_mu_);
      next = std::exchange(waiting_record_, std::nullopt);
    }
    if (next.has_value()) Persist(*next);
  });
}

void Reconciler::Persist(const PassRecord& record) {
  const absl::Time began = deps_.clock.Now();
  std::vector<Assigned> next;
  next.reserve(record.state->containers.size() + record.sent.size());
  for (const core::ContainerInfo& c : record.state->containers) {
    next.push_back({&c.instance, &c.app, &c.node,
                    c.state == core::ContainerState::kPaused     ? v1::CONTAINER_STATE_PAUSED
                    : c.state == core::ContainerState::kStarting ? v1::CONTAINER_STATE_STARTING
                                                                 : v1::CONTAINER_STATE_RUNNING});
  }
  SortKeepingOne(next, /*keep_last=*/true);  // a later report of an instance counts
  // Starts on their way count as assigned (starting) unless their node reports them.
  std::vector<Assigned> starts;
  auto add_start = [&](const std::string& instance, const std::string& app,
                       const std::string& node) {
    Assigned a{&instance, &app, &node, v1::CONTAINER_STATE_STARTING};
    if (!std::binary_search(next.begin(), next.end(), a, ByInstance)) starts.push_back(a);
  };
  for (const InFlightCommand& c : record.pending) {
    if (c.type == CommandType::kStart) add_start(c.instance, c.app, c.node);
  }
  for (const core::Command* c : record.sent) add_start(c->instance, c->app, c->node);
  SortKeepingOne(starts, /*keep_last=*/false);
  const auto reported = static_cast<std::ptrdiff_t>(next.size());
  next.insert(next.end(), starts.begin(), starts.end());
  std::inplace_merge(next.begin(), next.begin() + reported, next.end(), ByInstance);

  std::set<std::string> standby;  // as it is now: the passes since may have changed it
  {
    absl::MutexLock lock(&mu_);
    standby = standby_;
  }
  AssignmentChanges changes;
  {
    absl::MutexLock lock(&assign_mu_);
    std::set<std::string> stale;  // nodes forgotten since the pass read them
    for (auto it = forgotten_at_.begin(); it != forgotten_at_.end();) {
      if (it->second > record.read_seq) {
        stale.insert(it->first);
        ++it;
      } else {
        it = forgotten_at_.erase(it);  // the passes still to persist read after it
      }
    }
    // Both sorted by instance: one merge finds what was added, changed or removed, and
    // applies it to the assignments in place.
    auto old_it = assignments_.begin();
    auto remove_old = [&] {
      changes.removals.push_back(old_it->first);
      old_it = assignments_.erase(old_it);
    };
    for (const Assigned& a : next) {
      if (stale.contains(*a.node)) continue;
      while (old_it != assignments_.end() && old_it->first < *a.instance) remove_old();
      const bool is_standby = standby.contains(*a.instance);
      if (old_it != assignments_.end() && old_it->first == *a.instance) {
        const v1::Container& old = old_it->second;
        if (old.node() != *a.node || old.app() != *a.app || old.standby() != is_standby ||
            old.state() != a.state) {
          old_it->second = StoredAssignment(a, is_standby);
          changes.upserts.push_back(old_it->second);
        }
        ++old_it;
      } else {
        old_it = std::next(
            assignments_.emplace_hint(old_it, *a.instance, StoredAssignment(a, is_standby)));
        changes.upserts.push_back(std::prev(old_it)->second);
      }
    }
    while (old_it != assignments_.end()) remove_old();
  }
  const size_t changed = changes.upserts.size() + changes.removals.size();
  writer_.Submit(std::move(changes));
  if (const absl::Duration took = deps_.clock.Now() - began; took >= kSlowPass) {
    LogInfo("slow assignment diff", {{"took", absl::Trunc(took, absl::Milliseconds(1))},
                                     {"assignments", next.size()},
                                     {"changed", changed}});
  }
}

void Reconciler::PersistOrdinals(const core::Plan& plan) {
  std::map<std::string, int64_t> ordinals;
  for (const core::AppAllocation& a : plan.apps) {
    auto it = persisted_ordinals_.find(a.app);
    if (it == persisted_ordinals_.end() || it->second < a.next_ordinal) {
      ordinals[a.app] = a.next_ordinal;
    }
  }
  if (ordinals.empty()) return;
  if (absl::Status s = deps_.store.SetNextOrdinals(ordinals); s.ok()) {
    for (const auto& [app, n] : ordinals) persisted_ordinals_[app] = n;
  } else {
    LogError("saving instance ordinals failed", {{"error", s}});
  }
}

void Reconciler::Report(const core::Plan& plan, const std::vector<NodeView>& nodes,
                        absl::Time now) {
  for (const auto& [app, reaction] : deps_.apps.RecordAllocations(plan.apps, now)) {
    deps_.metrics.ObserveScaleReaction(absl::ToDoubleSeconds(reaction));
  }
  std::set<std::string> reported;
  deps_.apps.Visit([&](const AppEntry& entry) {
    const core::AppAllocation& a = entry.allocation;
    deps_.metrics.SetAppFigures(
        entry.spec.name,
        AppFigures{entry.demand, entry.spec.priority, entry.desired, a.allocated, a.running,
                   a.paused, a.standby, entry.arrival_rate, entry.drain_rate_per_container});
    reported.insert(reported.end(), entry.spec.name);
  });
  // A deleted app's series go away rather than linger at their last values.
  for (const std::string& app : reported_apps_) {
    if (!reported.contains(app)) deps_.metrics.ForgetApp(app);
  }
  reported_apps_ = std::move(reported);
  int ready = 0, not_ready = 0, cordoned = 0;
  for (const NodeView& node : nodes) {
    NoteNodeHealth(node, now);
    if (node.health == NodeHealth::kNotReady) {
      ++not_ready;
    } else if (node.cordoned) {
      ++cordoned;
    } else {
      ++ready;
    }
  }
  deps_.metrics.SetNodes(ready, not_ready, cordoned);
}

void Reconciler::NoteNodeHealth(const NodeView& node, absl::Time now) {
  if (node.health == NodeHealth::kNotReady) {
    if (!not_ready_nodes_.insert(node.name).second) return;
    LogWarn("node NotReady", {{"node", node.name}});
    deps_.events.Add(now, "NodeNotReady", "node/" + node.name,
                     "nothing heard within the node timeout; its containers no longer count "
                     "and are replaced where capacity allows");
  } else if (not_ready_nodes_.erase(node.name) > 0) {
    LogInfo("node Ready again", {{"node", node.name}});
    deps_.events.Add(now, "NodeReady", "node/" + node.name,
                     "heard from again; its containers count again and any surplus is stopped");
  }
}

}  // namespace microscale
