#include "controller/server/node_writers.h"

#include <string>
#include <utility>

#include "common/thread_name.h"

namespace microscale {

NodeWriters::NodeWriters(int threads, std::string_view thread_name) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, name = std::string(thread_name)] {
      NameThisThread(name);
      Run();
    });
  }
}

NodeWriters::~NodeWriters() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void NodeWriters::Post(const std::string& node, absl::AnyInvocable<void() &&> write) {
  absl::MutexLock lock(&mu_);
  auto [it, added] = queues_.try_emplace(node);
  // A node with writes already queued is in `ready_` or being written to; either way its
  // new write runs after them.
  if (added) ready_.push_back(node);
  it->second.push_back(std::move(write));
  ++pending_;
}

void NodeWriters::Wait() { WaitFor(absl::InfiniteDuration()); }

bool NodeWriters::WaitFor(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return pending_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

size_t NodeWriters::Pending() const {
  absl::MutexLock lock(&mu_);
  return pending_;
}

void NodeWriters::Run() {
  while (true) {
    std::string node;
    absl::AnyInvocable<void() &&> write;
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !ready_.empty() || (stopping_ && pending_ == 0);
      };
      mu_.Await(absl::Condition(&wake));
      if (ready_.empty()) return;  // stopping, and nothing is left
      node = std::move(ready_.front());
      ready_.pop_front();
      write = std::move(queues_[node].front());
      queues_[node].pop_front();
    }
    std::move(write)();
    absl::MutexLock lock(&mu_);
    --pending_;
    // The node's queue stays in the map while its write runs, so that a write posted
    // meanwhile waits for this one; now the next one may run, or the queue goes.
    auto it = queues_.find(node);
    if (it->second.empty()) {
      queues_.erase(it);
    } else {
      ready_.push_back(node);
    }
  }
}

}  // namespace microscale
