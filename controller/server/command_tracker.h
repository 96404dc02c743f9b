// CommandTracker: the commands sent to agents and not yet acknowledged.
//
// The reconciler asks it which instances have a command in flight, so a command is
// never sent twice while the first is pending. A command that gets no result by its
// deadline is handed back by Expire (the reconciler sends it again, or gives up and decides
// again); one whose node's stream drops is forgotten.
// Thread-safety: every method is safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_SERVER_COMMAND_TRACKER_H_
#define MICROSCALE_CONTROLLER_SERVER_COMMAND_TRACKER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace microscale {

enum class CommandType { kStart, kStop, kPause, kResume };
const char* CommandTypeName(CommandType type);

struct InFlightCommand {
  std::string id;
  std::string node;
  std::string instance;
  std::string app;
  CommandType type = CommandType::kStart;
  absl::Time sent;
  int attempt = 1;            // 2 and up: sent again after no result came
  absl::Duration deadline;    // a result is due within this of `sent`; zero: Expire's
  bool start_paused = false;  // a start that ends paused (standby)
  // Queued for its node's stream and not written yet (see MarkWritten): its deadline has
  // not begun.
  bool awaiting_write = false;
};

// How a command is sent: which attempt, the result's deadline, start_paused, and whether
// it waits for its write (its deadline then runs from MarkWritten).
struct CommandDelivery {
  int attempt = 1;
  absl::Duration deadline;
  bool start_paused = false;
  bool awaiting_write = false;
};

class CommandTracker {
 public:
  // Records a command about to be sent and returns its id.
  std::string Issue(const std::string& node, const std::string& instance, const std::string& app,
                    CommandType type, absl::Time now, CommandDelivery delivery = {});
  // The commands with these ids, those still pending, count as sent at `at`: their
  // deadline runs from when they were written to the stream, not from when the pass that
  // issued them began (at 100,000 containers a node's writes can wait seconds for their
  // turn).
  void MarkWritten(const std::vector<std::string>& ids, absl::Time at);
  // The command with this id, if it is still pending; it stays pending.
  std::optional<InFlightCommand> Find(const std::string& id) const;
  // Removes and returns the command with this id, if it is still pending.
  std::optional<InFlightCommand> Complete(const std::string& id);
  // Removes and returns the commands past their deadline (`timeout` for those that have
  // none); a command awaiting its write is not past it.
  std::vector<InFlightCommand> Expire(absl::Time now, absl::Duration timeout);
  // Forgets every command sent to `node` (its stream is gone).
  void DropNode(const std::string& node);
  // A copy of the commands in flight, in the order they were issued.
  std::vector<InFlightCommand> Pending() const;
  // Whether no command is in flight (without copying them, as Pending would).
  bool Empty() const;

 private:
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // By the number of the id ("c<number>"), so in the order they were issued. At 100,000
  // commands in flight, a lookup by the id's text cost a dozen string compares, each a
  // likely cache miss, four times per command.
  absl::btree_map<uint64_t, InFlightCommand> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_COMMAND_TRACKER_H_
