#include "controller/server/event_log.h"

#include <algorithm>

namespace microscale {

void EventLog::Add(absl::Time now, std::string kind, std::string object, std::string message) {
  v1::Event event;
  event.set_unix_ms(absl::ToUnixMillis(now));
  event.set_kind(std::move(kind));
  event.set_object(std::move(object));
  event.set_message(std::move(message));
  absl::MutexLock lock(&mu_);
  events_.push_back(std::move(event));
  if (events_.size() > capacity_) {
    events_.pop_front();
    ++first_seq_;
  }
}

std::vector<v1::Event> EventLog::Since(uint64_t from, uint64_t* next) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<v1::Event> out;
  uint64_t start = std::max(from, first_seq_);
  for (uint64_t seq = start; seq < first_seq_ + events_.size(); ++seq) {
    out.push_back(events_[seq - first_seq_]);
  }
  *next = first_seq_ + events_.size();
  return out;
}

std::vector<v1::Event> EventLog::About(const std::string& object, size_t limit) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<v1::Event> out;
  for (auto it = events_.rbegin(); it != events_.rend() && out.size() < limit; ++it) {
    if (it->object() == object) out.push_back(*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void EventLog::WaitFor(uint64_t from, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto ready = [this, from]()
                   ABSL_SHARED_LOCKS_REQUIRED(mu_) { return first_seq_ + events_.size() > from; };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
}

}  // namespace microscale
