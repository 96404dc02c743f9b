// PeerRateLimiter: a token bucket per caller, so one connection cannot flood the API.
//
// Each peer (gRPC's ServerContext::peer(), e.g. "ipv4:127.0.0.1:53122", one per
// connection) starts with `burst` requests and earns `per_second` more each second up to
// `burst`. A bucket left alone for burst / per_second is full again, so forgetting it
// changes nothing: such idle peers are dropped when the table reaches `max_peers`, and if
// every peer is busy the one seen longest ago is dropped, so the table never grows past
// `max_peers`. Time comes from the injected Clock.
// Thread-safety: every method is safe to call concurrently (one mutex).
#ifndef MICROSCALE_CONTROLLER_SERVER_RATE_LIMITER_H_
#define MICROSCALE_CONTROLLER_SERVER_RATE_LIMITER_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace microscale {

// The defaults let a client poll every 5 ms without being refused, and stop a single
// connection from flooding the controller.
struct RateLimit {
  double per_second = 200;
  double burst = 400;
  size_t max_peers = 10000;
};

class PeerRateLimiter {
 public:
  // `clock` must outlive the limiter. `limit.per_second` and `limit.burst` must be > 0.
  PeerRateLimiter(Clock& clock, RateLimit limit);

  // Takes one request from `peer`'s bucket: true if it had one, false if the peer must wait.
  bool Admit(std::string_view peer);
  // How many peers the table holds now.
  size_t peers() const;
  const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;  // when `tokens` was last brought up to date
  };

  void MakeRoom(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  const RateLimit limit_;
  const absl::Duration refill_time_;  // how long an empty bucket takes to fill
  mutable absl::Mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_RATE_LIMITER_H_
