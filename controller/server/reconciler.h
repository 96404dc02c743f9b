// Reconciler: the controller's single loop that makes the cluster match the decision.
//
// Level-triggered: any event (demand read, app change, agent message, node timeout) only
// marks the cluster dirty; one thread coalesces those marks, reads the whole desired and
// observed state, calls core::Decide and sends the commands that are not already in flight.
// A periodic resync (1 s) catches anything missed, including nodes timing out; when nothing
// is in flight and no node changed health, it costs a look at each node's health, and a full
// pass runs at least every `full_resync` (60 s) all the same.
// After a restart it waits up to the startup grace for the agents that ran containers,
// so it does not replace containers that are only momentarily out of sight.
// Thread-safety: MarkDirty, SyncFor and SetDraining may be called from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_RECONCILER_H_
#define MICROSCALE_CONTROLLER_SERVER_RECONCILER_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/core/types.h"
#include "controller/server/agent_connection.h"
#include "controller/server/app_table.h"
#include "controller/server/assignment_writer.h"
#include "controller/server/command_tracker.h"
#include "controller/server/controller_metrics.h"
#include "controller/server/crash_loop.h"
#include "controller/server/event_log.h"
#include "controller/server/node_registry.h"
#include "controller/server/node_writers.h"
#include "controller/store/state_store.h"
#include "microscale/v1/agent_gateway.pb.h"

namespace microscale {

struct ReconcilerOptions {
  core::PlacementStrategy placement = core::PlacementStrategy::kSpread;
  absl::Duration resync = absl::Seconds(1);
  // A command with no result within command_deadline is sent again, with a deadline twice
  // as long each time up to command_timeout (a stop's own stop timeout on top), at most
  // kCommandAttempts times in all; then it is forgotten and the next pass decides again.
  absl::Duration command_deadline = absl::Seconds(10);
  absl::Duration command_timeout = absl::Seconds(60);
  absl::Duration startup_grace = absl::Seconds(10);
  // A resync that finds nothing to do still runs a full pass this often.
  // A safety net only (what changes marks the cluster dirty): at 100,000 containers a pass
  // takes about 0.4 s: every 30 s, about a fifth of an idle controller's CPU.
  absl::Duration full_resync = absl::Seconds(60);
  // A node NotReady this long is forgotten (--node-gc); zero: never.
  absl::Duration node_gc = absl::Hours(1);
};

inline constexpr int kCommandAttempts = 5;
// Threads writing commands to the nodes' streams: a stream that blocks (its agent stopped
// reading) holds one until keepalive ends it; the others keep writing to the rest.
inline constexpr int kNodeWriterThreads = 4;

struct ReconcilerDeps {
  Clock& clock;
  AppTable& apps;
  NodeRegistry& nodes;
  CommandTracker& tracker;
  EventLog& events;
  ControllerMetrics& metrics;
  StateStore& store;
};

class Reconciler {
 public:
  Reconciler(ReconcilerDeps deps, ReconcilerOptions options);
  ~Reconciler();  // Stop()

  // Loads assignments and ordinals from the store; call once before Start.
  absl::Status Load();
  void Start();
  void Stop();
  void MarkDirty();
  // One pass, on the caller's thread (tests, and the loop itself).
  void ReconcileOnce();
  // How often the loop woke up, and how many of those wake-ups ran a pass.
  struct LoopCounts {
    int64_t wakeups = 0;
    int64_t passes = 0;
  };
  LoopCounts loop_counts() const;
  // Waits until the assignments of the passes so far are recorded (SyncFor) and in the
  // store; true when they are in the store.
  bool FlushAssignments() {
    persister_.Wait();
    return writer_.Flush();
  }
  // Waits until the commands of the passes so far are written to their nodes' streams (or
  // found unsent): a pass posts its writes and returns (see NodeWriters).
  void WaitForWrites() { node_writers_.Wait(); }

  // What `node` should run: the instances assigned to it, sent after its Hello.
  v1::Sync SyncFor(const std::string& node) const;
  void SetDraining(const std::string& node, bool draining);
  // A command result came back: record latency, failures and start backoff.
  void OnCommandResult(const InFlightCommand& command, const v1::CommandResult& result);
  // True once the startup grace is over or every expected agent is back.
  bool StartupSettled() const;
  // Whether `instance` is a warm standby container: this controller started it paused or
  // paused it for the pool, and has not resumed it or paused it for preemption since.
  // Agents do not know; the controller keeps it with the assignments across restarts.
  bool IsStandby(const std::string& instance) const;
  // Instances with a stop or pause sent and no result yet: they serve no traffic.
  std::set<std::string> Leaving() const;
  // Whether `node` was drained (SetDraining) and not uncordoned since.
  bool IsDraining(const std::string& node) const;

  // Forgets a NotReady node (`delete node`, or --node-gc): its record, its commands in
  // flight, its assignments (so its instances are no longer held as unreachable) and its
  // cordon and drain marks. NotFound if the controller knows nothing of it,
  // FailedPrecondition if it is Ready or just lost its stream. If its agent comes back
  // later, it is a new node and what it runs is adopted or stopped as usual. Returns how
  // many instances were forgotten.
  absl::StatusOr<int> ForgetNode(const std::string& node, std::string_view why);

 private:
  struct CommandBackoff {
    absl::Time until;
    absl::Duration delay;
  };

  void Run();
  // Whether starts of `app` wait: a failed start's backoff, or a crash loop's.
  bool StartHeld(const std::string& app, absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends the crash loops that are over: their condition and backoff gauge go.
  void EndCrashLoops(absl::Time now);
  // `exited`: containers reported exited. `unhealthy`: running containers that fail their
  // app's health check with no command in flight; they are counted as stopping (held, not
  // counted), so the plan places their replacements.
  core::ClusterState BuildState(const std::vector<NodeView>& nodes,
                                const std::vector<InFlightCommand>& pending,
                                std::vector<v1::Container>* exited,
                                std::vector<v1::Container>* unhealthy) const;
  // Stops the unhealthy containers BuildState found, with an Unhealthy event for each app.
  void ReplaceUnhealthy(const std::vector<v1::Container>& unhealthy, absl::Time now);
  // The commands of one pass, handed to each node's writer at the end and written with one
  // flush for each node (a write per command, each waiting for the transport, was most of a
  // large step's time); each app is looked up, and its start spec built, once.
  struct Batch {
    struct Message {
      std::string id;
      CommandType type;
      v1::ControllerMessage message;
    };
    struct App {
      const AppSpec* spec = nullptr;
      std::optional<v1::ContainerSpec> container[2];  // by start_paused: built on first use
    };
    std::map<std::string, std::pair<std::shared_ptr<AgentConnection>, std::vector<Message>>> nodes;
    // The pass's apps by name, as its state read them: its commands follow the specs it
    // decided on (and take no lock of the app table, which demand reads write to often).
    absl::flat_hash_map<std::string_view, App> apps;
  };
  // Puts the plan's commands in `batch` (Flush posts them); returns the starts among them
  // (pointers into `plan`).
  std::vector<const core::Command*> Execute(const core::Plan& plan, const core::ClusterState& state,
                                            absl::Time now, Batch& batch);
  // Hands `command` to its node's writer, or adds it to `batch`; true means it is on its way
  // (a write that fails later forgets it).
  bool Send(const core::Command& command, absl::Time now, int attempt = 1, Batch* batch = nullptr);
  // Posts what `batch` holds to the node writers.
  void Flush(Batch& batch);
  // Has `node`'s writer write `messages` after what was posted for it before.
  void PostWrites(const std::string& node, std::shared_ptr<AgentConnection> connection,
                  std::vector<Batch::Message> messages);
  // On a node writer: writes `messages` (moved from); each one written counts as sent from
  // now, and one the stream did not take is forgotten.
  void WriteToNode(AgentConnection& connection, std::vector<Batch::Message>& messages);
  // Sends again the commands that got no result by their deadline.
  void ResendLost(absl::Time now);
  // Records what a sent command says about its instance being standby.
  void NoteStandby(const core::Command& command);
  // Drops standby marks of instances that neither an agent reports nor a command in flight
  // implies (the state reads commands in flight before the nodes, so nothing live is missed).
  void ForgetGoneStandby(const core::ClusterState& state);
  void CleanUpExited(const std::vector<v1::Container>& exited, absl::Time now);
  // Sends a start again for containers a Ready node reports as Starting while no command
  // is in flight for them: an agent killed between create and start leaves them so, and
  // its successor does not start them on its own. A start is idempotent on the agent.
  void ResumeStalledStarts(const std::vector<NodeView>& nodes,
                           const std::vector<InFlightCommand>& pending, const core::Plan& plan,
                           absl::Time now);
  // What a pass leaves for its assignments to be recorded after it (see Persist).
  struct PassRecord {
    std::shared_ptr<const core::ClusterState> state;
    std::vector<InFlightCommand> pending;
    std::shared_ptr<const core::Plan> plan;
    std::vector<const core::Command*> sent;  // into `plan`
    int64_t read_seq = 0;                    // forget_seq_ when the pass read the cluster
  };
  // Hands `record` to persister_, which runs Persist on it after the passes before. A
  // record still waiting there is replaced: the newer pass's diff covers it (the
  // assignments a diff leaves are those of its own pass), so at most two passes' states
  // are held however far the diffs fall behind.
  void PersistLater(PassRecord record);
  // Records what changed in the assignments and hands it to the writer. Starts count as
  // assigned while in flight: those `pending` when the pass read the state, and those it
  // sent (`sent`). Runs on persister_: at 100,000 containers, sorting and diffing them was
  // half of a pass's time.
  void Persist(const PassRecord& record);
  // True when a resync with nothing marked dirty may skip the pass: no command in flight
  // or held back, the startup settled, and no node changed health since the last pass.
  bool IdleSince(const std::vector<NodeHealthMark>& health) const;
  // Stores the apps' next instance ordinals that the plan raised.
  void PersistOrdinals(const core::Plan& plan) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  void Report(const core::Plan& plan, const std::vector<NodeView>& nodes, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  // Records NodeNotReady when a node turns NotReady and NodeReady when it comes back.
  void NoteNodeHealth(const NodeView& node, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  // Applies the successful results left by OnCommandResult to the backoffs and stopped_.
  void TakeResults();

  ReconcilerDeps deps_;
  const ReconcilerOptions options_;
  const absl::Time started_;

  // The loop's wake-up, and what result handlers leave for the next pass: never held for
  // more than a few instructions, so the agents' stream readers (which mark the cluster
  // dirty and report results) never wait for a pass. A pass holds mu_ while it reads the
  // state of 100,000 containers (up to a second at that scale on a busy machine).
  mutable absl::Mutex wake_mu_;
  bool dirty_ ABSL_GUARDED_BY(wake_mu_) = true;
  bool stopping_ ABSL_GUARDED_BY(wake_mu_) = false;
  LoopCounts loop_counts_ ABSL_GUARDED_BY(wake_mu_);
  // Successful results since the last pass took them (TakeResults): the apps whose start
  // succeeded (their start backoff ends) and the instances whose stop succeeded, with when.
  std::vector<std::string> started_apps_ ABSL_GUARDED_BY(wake_mu_);
  std::vector<std::pair<std::string, absl::Time>> stopped_instances_ ABSL_GUARDED_BY(wake_mu_);

  mutable absl::Mutex mu_;
  std::set<std::string> draining_ ABSL_GUARDED_BY(mu_);
  // The assignments: taken after mu_ when both are held. Persist holds it while it merges
  // a pass's assignments in, without mu_, which the next pass needs.
  mutable absl::Mutex assign_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::map<std::string, v1::Container> assignments_ ABSL_GUARDED_BY(assign_mu_);
  // Nodes forgotten (ForgetNode), each with the value of forget_seq_ it was given: a pass
  // that read the cluster before (its read_seq is lower) read them stale, and its Persist
  // must not write their assignments back. Entries go once no pass can have read before.
  int64_t forget_seq_ ABSL_GUARDED_BY(assign_mu_) = 0;
  std::map<std::string, int64_t> forgotten_at_ ABSL_GUARDED_BY(assign_mu_);
  // Forgets the nodes NotReady for longer than options_.node_gc.
  void CollectGoneNodes();
  // Instances kept paused as warm standby (see IsStandby); an instance leaves the set when
  // it is resumed, paused for preemption, or gone from the assignments.
  std::set<std::string> standby_ ABSL_GUARDED_BY(mu_);
  // Assignments loaded at start for nodes that have not reconnected yet.
  std::set<std::string> expected_nodes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, CommandBackoff> start_backoff_ ABSL_GUARDED_BY(mu_);
  // Instances whose stop failed (their engine down, say): sent again after a backoff that
  // doubles from 1 s to 30 s, not on every pass.
  std::map<std::string, CommandBackoff> stop_backoff_ ABSL_GUARDED_BY(mu_);
  // Apps whose containers exit soon after they start: their starts wait (crash_loop.h).
  CrashLoops crash_loops_ ABSL_GUARDED_BY(mu_);
  // Containers this controller stopped, and when: an agent may still report one as exited
  // after the stop's result (its engine's exit event raced the removal). That exit is the
  // stop, not a crash. An exited container whose exit was counted is added too: seen again
  // (its removal failed), it is cleared up again, not counted again. Kept kStoppedMemory.
  std::map<std::string, absl::Time> stopped_ ABSL_GUARDED_BY(mu_);

  absl::Mutex pass_mu_;  // one pass at a time
  std::map<std::string, int64_t> persisted_ordinals_ ABSL_GUARDED_BY(pass_mu_);
  std::set<std::string> reported_apps_ ABSL_GUARDED_BY(pass_mu_);    // apps with metric series
  std::set<std::string> not_ready_nodes_ ABSL_GUARDED_BY(pass_mu_);  // for NodeNotReady events
  // Every node's health after the last pass, and when that pass ran (see IdleSince).
  std::vector<NodeHealthMark> last_health_ ABSL_GUARDED_BY(mu_);
  absl::Time last_pass_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool last_pass_sent_ ABSL_GUARDED_BY(mu_) = true;  // the last pass sent commands
  AssignmentWriter writer_;                          // stopped (flushed) before the rest goes
  // Declared after the other members, so destroyed before them: the writes still queued
  // run first (they use deps_ and nothing else of this class).
  NodeWriters node_writers_{kNodeWriterThreads};
  // The latest pass's record that persister_ has not taken yet (see PersistLater).
  absl::Mutex persist_mu_;
  std::optional<PassRecord> waiting_record_ ABSL_GUARDED_BY(persist_mu_);
  // One thread, one key: the passes' Persist, in the order of the passes.
  NodeWriters persister_{1, "persist"};
  std::thread thread_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_RECONCILER_H_
