#include "node-agent/agent/outbox.h"

#include <utility>

namespace microscale {

bool Outbox::Push(v1::AgentMessage message) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  queue_.push_back(std::move(message));
  return true;
}

bool Outbox::PopAll(std::vector<v1::AgentMessage>* messages) {
  messages->clear();
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); };
  mu_.Await(absl::Condition(&ready));
  if (closed_) return false;
  messages->reserve(queue_.size());
  for (v1::AgentMessage& message : queue_) messages->push_back(std::move(message));
  queue_.clear();
  return true;
}

void Outbox::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  queue_.clear();
}

bool Outbox::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

bool Outbox::WaitClosed(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&closed_), timeout);
  return closed_;
}

}  // namespace microscale
