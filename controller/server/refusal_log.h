// RefusalLog: every API call the controller refuses (no or unknown token, a role that does
// not allow the call, the per-connection rate limit, a request over the size limit, an agent
// without a client certificate) is counted in microscale_api_refused_total{reason} and
// logged as one warning line: the reason, the API, the peer and what the caller was told.
//
// A flood of refused calls must not fill the disk: lines are paced by a token bucket
// (`LogBudget`, 10 a second with bursts of 50 by default). Lines over the budget are
// counted, not written, and the next line written carries `suppressed=N`, the lines left
// out since the last one. The counter counts every refusal either way.
// Thread-safety: Record may be called from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_REFUSAL_LOG_H_
#define MICROSCALE_CONTROLLER_SERVER_REFUSAL_LOG_H_

#include <cstdint>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "controller/server/rate_limiter.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace microscale {

enum class RefusalReason {
  kUnauthenticated,  // no token, an unknown token, or no client certificate
  kDenied,           // a known token whose role does not allow the call
  kRateLimited,      // over the per-connection rate
  kTooLarge,         // a request over the size limit
};

// "unauthenticated", "denied", "rate_limited", "too_large": the metric's label values.
std::string_view RefusalReasonName(RefusalReason reason);

struct LogBudget {
  double per_second = 10;
  double burst = 50;
};

class RefusalLog {
 public:
  // `clock`, `registry` and `logger` must outlive the log.
  RefusalLog(Clock& clock, prometheus::Registry& registry, LogBudget budget = {},
             Logger& logger = GlobalLogger());

  // Counts one refused call of `api` (a method name) from `peer`; `detail` is the error the
  // caller got back.
  void Record(RefusalReason reason, std::string_view api, std::string_view peer,
              std::string_view detail);

  // Lines left out of the log so far (for tests).
  uint64_t suppressed_total() const;

 private:
  prometheus::Family<prometheus::Counter>& refused_;
  Logger& logger_;
  PeerRateLimiter lines_;  // one bucket, for the log as a whole
  mutable absl::Mutex mu_;
  uint64_t suppressed_since_line_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t suppressed_total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_REFUSAL_LOG_H_
