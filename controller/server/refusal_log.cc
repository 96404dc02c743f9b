#include "controller/server/refusal_log.h"

namespace microscale {

std::string_view RefusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kUnauthenticated:
      return "unauthenticated";
    case RefusalReason::kDenied:
      return "denied";
    case RefusalReason::kRateLimited:
      return "rate_limited";
    case RefusalReason::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

RefusalLog::RefusalLog(Clock& clock, prometheus::Registry& registry, LogBudget budget,
                       Logger& logger)
    : refused_(prometheus::BuildCounter()
                   .Name("microscale_api_refused_total")
                   .Help("API calls the controller refused, by reason")
                   .Register(registry)),
      logger_(logger),
      lines_(clock, RateLimit{.per_second = budget.per_second, .burst = budget.burst}) {
  // Every reason is exported from the start, at 0, so a rate() over it never starts blank.
  for (RefusalReason r : {RefusalReason::kUnauthenticated, RefusalReason::kDenied,
                          RefusalReason::kRateLimited, RefusalReason::kTooLarge}) {
    refused_.Add({{"reason", std::string(RefusalReasonName(r))}});
  }
}

void RefusalLog::Record(RefusalReason reason, std::string_view api, std::string_view peer,
                        std::string_view detail) {
  const std::string_view name = RefusalReasonName(reason);
  refused_.Add({{"reason", std::string(name)}}).Increment();
  uint64_t suppressed = 0;
  {
    absl::MutexLock lock(&mu_);
    if (!lines_.Admit("log")) {
      ++suppressed_since_line_;
      ++suppressed_total_;
      return;
    }
    suppressed = suppressed_since_line_;
    suppressed_since_line_ = 0;
  }
  // Bounded: a peer or an error text cannot make one line long.
  constexpr size_t kMaxField = 256;
  if (suppressed > 0) {
    logger_.Log(LogLevel::kWarn, "API call refused",
                {{"reason", name},
                 {"api", api.substr(0, kMaxField)},
                 {"peer", peer.substr(0, kMaxField)},
                 {"error", detail.substr(0, kMaxField)},
                 {"suppressed", suppressed}});
  } else {
    logger_.Log(LogLevel::kWarn, "API call refused",
                {{"reason", name},
                 {"api", api.substr(0, kMaxField)},
                 {"peer", peer.substr(0, kMaxField)},
                 {"error", detail.substr(0, kMaxField)}});
  }
}

uint64_t RefusalLog::suppressed_total() const {
  absl::MutexLock lock(&mu_);
  return suppressed_total_;
}

}  // namespace microscale
