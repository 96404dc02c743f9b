// DemandSource: one app's source of demand (requests per second, queue length, ...).
//
// A source answers one number per read, or an error saying why it could not. Sources that
// do I/O bound every read by the timeout they were built with (DemandSpec.timeout_seconds),
// so a read returns in about that time even when the remote system hangs; the
// DemandPoller enforces the same deadline from outside and never waits for a late read.
// Thread-safety: Read is called by one thread at a time (the poller never overlaps two
// reads of one source). Methods that other threads may call say so.
#ifndef MICROSCALE_CONTROLLER_DEMAND_DEMAND_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_DEMAND_SOURCE_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/manifest/app.h"

namespace microscale {

class DemandSource {
 public:
  virtual ~DemandSource() = default;
  // The demand as of `now` (>= 0 for every built-in source), or the reason the read
  // failed: Unavailable for an unreachable system, DeadlineExceeded for a timeout,
  // InvalidArgument / FailedPrecondition for an answer that is not one number.
  virtual absl::StatusOr<double> Read(absl::Time now) = 0;
  // The items ever enqueued, as of the last Read that succeeded, for a queue source that
  // counts them (a stream's entries added, a counter the user points at): a number that only
  // grows, which lets queue mode measure the arrival rate directly. Unset when the source
  // has no such count or did not find it. Called by the thread that called Read, after it.
  virtual std::optional<double> ArrivalsTotal() const { return std::nullopt; }
};

// Builds the source `app.demand` describes. Fails with InvalidArgument when the source's
// settings cannot be used (for example a URL without a host).
absl::StatusOr<std::unique_ptr<DemandSource>> MakeDemandSource(const AppSpec& app);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_DEMAND_SOURCE_H_
