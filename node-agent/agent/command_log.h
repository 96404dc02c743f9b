// CommandLog: the last commands an agent received, each with the controller that sent it
// (its --advertise-addr and leadership term, from the stream's Sync). Served as JSON at the
// agent's /debug/commands, so an operator (or a test) can tell who ordered what, and check
// that no two controllers commanded agents at the same time.
// Thread-safety: every method may be called concurrently.
#ifndef MICROSCALE_NODE_AGENT_AGENT_COMMAND_LOG_H_
#define MICROSCALE_NODE_AGENT_AGENT_COMMAND_LOG_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace microscale {

struct ReceivedCommand {
  int64_t unix_ms = 0;
  std::string controller;   // "" from a controller that does not say (an older one)
  int64_t leader_term = 0;  // 0 for a controller alone on SQLite
  std::string type;         // start | stop | pause | resume
  std::string instance;
  std::string command_id;
};

class CommandLog {
 public:
  explicit CommandLog(size_t capacity = 1000) : capacity_(capacity) {}

  // Keeps `command`, dropping the oldest beyond the capacity.
  void Add(ReceivedCommand command);
  // The commands kept, oldest first.
  std::vector<ReceivedCommand> Recent() const;
  // {"commands": [{"time": RFC 3339 with milliseconds, "unixMs", "controller", "leaderTerm",
  //   "type", "instance", "commandId"}...]}, oldest first.
  std::string Json() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<ReceivedCommand> commands_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_COMMAND_LOG_H_
