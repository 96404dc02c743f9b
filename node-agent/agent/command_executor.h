// CommandExecutor: runs the controller's container commands on a small pool of workers.
//
// Commands for one instance run one at a time, in arrival order; commands for different
// instances run in parallel, up to the number of workers. A command of the same type for
// the same instance as the last one queued or running for it (a duplicate Start, say) is
// coalesced: it gets that command's outcome without a second runtime call. A stop for an
// instance whose start is still queued (not begun) withdraws that start: the stop takes its
// place in the queue, and the start is reported done, with no container, just before the
// stop runs (a scale-down that follows a scale-up at once creates nothing to remove). The
// stop still runs, so a container left by an earlier attempt of the start is removed too.
// Every command carries the epoch of the controller stream it came on, so results of a lost
// stream can be dropped. Thread-safe. The destructor drops queued commands and joins the
// workers after their running commands finish.
#ifndef MICROSCALE_NODE_AGENT_AGENT_COMMAND_EXECUTOR_H_
#define MICROSCALE_NODE_AGENT_AGENT_COMMAND_EXECUTOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "microscale/v1/agent_gateway.pb.h"

namespace microscale {

struct CommandOutcome {
  absl::Status status;
  std::optional<v1::Container> container;  // the container's state after the command
};

// "start", "stop", "pause", "resume", "sync" or "unknown".
std::string CommandType(const v1::ControllerMessage& command);
// The instance a start/stop/pause/resume command is about; empty for others.
std::string CommandInstance(const v1::ControllerMessage& command);
// Whether `message` is a start, stop, pause or resume: what the executor runs and a
// batch may hold (not a Sync, a Pace or another batch).
bool IsContainerCommand(const v1::ControllerMessage& message);

class CommandExecutor {
 public:
  // Performs one command (calls the runtime). Called on a worker thread.
  using Runner = std::function<CommandOutcome(const v1::ControllerMessage& command)>;
  // Receives the outcome once per command id, on a worker thread.
  using Reporter = std::function<void(const std::string& command_id, const std::string& type,
                                      uint64_t epoch, const CommandOutcome& outcome)>;

  CommandExecutor(int workers, Runner runner, Reporter reporter);
  ~CommandExecutor();
  CommandExecutor(const CommandExecutor&) = delete;
  CommandExecutor& operator=(const CommandExecutor&) = delete;

  // Queues a start, stop, pause or resume command.
  void Submit(const v1::ControllerMessage& command, uint64_t epoch);
  // Forgets the queued commands that have not started (their stream is gone).
  void DropQueued();

 private:
  struct Job {
    v1::ControllerMessage command;
    std::string instance;
    std::string type;
    std::vector<std::pair<std::string, uint64_t>> ids;  // command id and epoch
    // A stop's: the ids of the start it withdrew, reported (as that start's) before it runs.
    std::vector<std::pair<std::string, uint64_t>> withdrawn;
    bool finished = false;  // outcome known; later duplicates queue a new job
  };

  void WorkerLoop();
  // The first queued job whose instance has nothing running, removed from the queue.
  std::shared_ptr<Job> TakeRunnableLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasRunnableLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The last job queued or running (and not finished) for `instance`, or null.
  std::shared_ptr<Job> LastJobLocked(const std::string& instance) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Runner runner_;
  const Reporter reporter_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::shared_ptr<Job>> queued_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Job>> running_ ABSL_GUARDED_BY(mu_);  // by instance

  std::vector<std::thread> workers_;
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_COMMAND_EXECUTOR_H_
