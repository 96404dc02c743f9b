// Time spellings the CLI prints: kubectl-style ages and RFC 3339 timestamps.
//
// Pure functions of their arguments (the current time is passed in); thread-safe.
#ifndef MICROSCALE_CLI_TIME_FORMAT_H_
#define MICROSCALE_CLI_TIME_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace microscale::cli {

// A short age like kubectl's: "5s", "3m", "2h", "4d", "3y". Negative ages print "0s".
std::string FormatAge(absl::Duration age);

// The age of a Unix-milliseconds timestamp at `now`; "<unknown>" when `unix_ms` is 0.
std::string FormatAgeSince(int64_t unix_ms, absl::Time now);

// "2024-05-01T12:00:03Z" (UTC, whole seconds); "" when `unix_ms` is 0.
std::string FormatRfc3339(int64_t unix_ms);

// FormatRfc3339 as JSON, or null when `unix_ms` is 0 (never set).
nlohmann::json Rfc3339OrNull(int64_t unix_ms);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_TIME_FORMAT_H_
