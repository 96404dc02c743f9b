#include "controller/server/assignment_writer.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "common/thread_name.h"

namespace microscale {
namespace {

constexpr absl::Duration kFirstRetryDelay = absl::Milliseconds(100);

}  // namespace

AssignmentWriter::AssignmentWriter(WriteFn write, absl::Duration max_retry_delay, size_t max_batch)
    : write_(std::move(write)), max_retry_delay_(max_retry_delay), max_batch_(max_batch) {
  thread_ = std::thread([this] {
    NameThisThread("store-writer");
    Run();
  });
}

AssignmentWriter::~AssignmentWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void AssignmentWriter::Submit(AssignmentChanges changes) {
  if (changes.empty()) return;
  absl::MutexLock lock(&mu_);
  for (v1::Container& c : changes.upserts) {
    const std::string instance = c.instance();
    pending_[instance] = std::move(c);
  }
  for (std::string& instance : changes.removals) pending_[std::move(instance)] = std::nullopt;
  ++submitted_;
}

bool AssignmentWriter::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = submitted_;
  const int64_t failures = failed_writes_;
  auto done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return written_ >= target || failed_writes_ > failures;
  };
  mu_.Await(absl::Condition(&done));
  return written_ >= target;
}

int64_t AssignmentWriter::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

int64_t AssignmentWriter::failed_writes() const {
  absl::MutexLock lock(&mu_);
  return failed_writes_;
}

size_t AssignmentWriter::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

AssignmentChanges AssignmentWriter::TakeBatch() {
  AssignmentChanges batch;
  auto it = pending_.begin();
  for (size_t taken = 0; it != pending_.end() && taken < max_batch_; ++it, ++taken) {
    if (it->second.has_value()) {
      batch.upserts.push_back(std::move(*it->second));
    } else {
      batch.removals.push_back(it->first);
    }
  }
  pending_.erase(pending_.begin(), it);
  return batch;
}

void AssignmentWriter::Restore(const AssignmentChanges& batch) {
  for (const v1::Container& c : batch.upserts) pending_.try_emplace(c.instance(), c);
  for (const std::string& instance : batch.removals) pending_.try_emplace(instance, std::nullopt);
}

void AssignmentWriter::Run() {
  absl::Duration retry_delay = kFirstRetryDelay;
  while (true) {
    AssignmentChanges batch;
    uint64_t covered = 0;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !pending_.empty() || stopping_; };
      mu_.Await(absl::Condition(&ready));
      if (pending_.empty()) return;  // stopping, and everything is written
      batch = TakeBatch();
      // What was submitted is written once the batch that empties pending_ is.
      covered = pending_.empty() ? submitted_ : written_;
      writing_ = true;
    }
    absl::Status status = write_(batch);
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (status.ok()) {
      ++writes_;
      written_ = covered;
      retry_delay = kFirstRetryDelay;
      continue;
    }
    ++failed_writes_;
    Restore(batch);
    LogError("saving assignments failed; will retry",
             {{"error", status}, {"instances", std::to_string(pending_.size())}});
    if (stopping_) return;  // the last try failed: what is left is rebuilt from the agents
    auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stop), retry_delay);
    retry_delay = std::min(max_retry_delay_, retry_delay * 2);
  }
}

}  // namespace microscale
