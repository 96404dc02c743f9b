// Outbox: the queue of messages for one controller stream, drained by that stream's single
// writer thread, so writes from many threads (command results, events, heartbeats) reach
// the gRPC stream one at a time and in order.
//
// Thread-safe. After Close(), Push() refuses and PopAll() returns false: queued messages
// are dropped, since the stream they were for is gone.
#ifndef MICROSCALE_NODE_AGENT_AGENT_OUTBOX_H_
#define MICROSCALE_NODE_AGENT_AGENT_OUTBOX_H_

#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "microscale/v1/agent_gateway.pb.h"

namespace microscale {

class Outbox {
 public:
  // False when closed.
  bool Push(v1::AgentMessage message);
  // Blocks for the next message, then takes every message queued by then, in order (a
  // burst of command results goes out in one flush); false once closed.
  bool PopAll(std::vector<v1::AgentMessage>* messages);
  void Close();
  bool closed() const;
  // Blocks until closed or `timeout` passes; returns closed().
  bool WaitClosed(absl::Duration timeout) const;

 private:
  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<v1::AgentMessage> queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_OUTBOX_H_
