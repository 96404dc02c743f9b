// NodeWriters: runs the writes to each node's stream off the reconcile thread.
//
// A pass plans its commands and posts each node's writes here; it does not wait for any
// stream. A node's writes run one at a time in the order they were posted (a stop posted
// after a start of the same instance reaches the agent after it); different nodes' writes
// run side by side on a few threads. A stream whose agent stopped reading blocks the
// thread writing to it until keepalive ends the stream, not the pass and not the other
// nodes while another thread is free. With one thread and one key it is a serial queue
// (the reconciler's assignment diffs run on one so).
// Thread-safety: every method may be called from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_NODE_WRITERS_H_
#define MICROSCALE_CONTROLLER_SERVER_NODE_WRITERS_H_

#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace microscale {

class NodeWriters {
 public:
  // `thread_name` names the threads (see NameThisThread).
  explicit NodeWriters(int threads, std::string_view thread_name = "node-writer");
  // Runs what was posted, then stops the threads.
  ~NodeWriters();
  NodeWriters(const NodeWriters&) = delete;
  NodeWriters& operator=(const NodeWriters&) = delete;

  // Runs `write` after the writes posted earlier for `node`.
  void Post(const std::string& node, absl::AnyInvocable<void() &&> write);
  // Waits until every write posted before the call has run.
  void Wait();
  // The same for at most `timeout`; true when they have run.
  bool WaitFor(absl::Duration timeout);
  // Writes posted and not yet finished.
  size_t Pending() const;

 private:
  void Run();

  mutable absl::Mutex mu_;
  // The writes waiting, per node; a node is in `ready_` while it has writes waiting and no
  // thread is running one of its writes.
  std::map<std::string, std::deque<absl::AnyInvocable<void() &&>>> queues_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> ready_ ABSL_GUARDED_BY(mu_);
  size_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_NODE_WRITERS_H_
