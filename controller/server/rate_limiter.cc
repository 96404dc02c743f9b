#include "controller/server/rate_limiter.h"

#include <algorithm>

namespace microscale {

PeerRateLimiter::PeerRateLimiter(Clock& clock, RateLimit limit)
    : clock_(clock), limit_(limit), refill_time_(absl::Seconds(limit.burst / limit.per_second)) {}

bool PeerRateLimiter::Admit(std::string_view peer) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(peer);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_peers) MakeRoom(now);
    it = buckets_.emplace(std::string(peer), Bucket{limit_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  const double earned =
      absl::ToDoubleSeconds(std::max(now - bucket.last, absl::ZeroDuration())) * limit_.per_second;
  bucket.tokens = std::min(limit_.burst, bucket.tokens + earned);
  bucket.last = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

void PeerRateLimiter::MakeRoom(absl::Time now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = now - it->second.last >= refill_time_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.empty() || buckets_.size() < limit_.max_peers) return;
  auto oldest =
      std::min_element(buckets_.begin(), buckets_.end(),
                       [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  buckets_.erase(oldest);
}

size_t PeerRateLimiter::peers() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

}  // namespace microscale
