// Parsing of Kubernetes-style quantities and Go-style durations.
//
//   ParseCpuMillis("250m") == 250        ParseCpuMillis("1.5") == 1500
//   ParseMemoryBytes("64Mi") == 67108864 ParseMemoryBytes("1G") == 1000000000
//   ParseDuration("1m30s") == 90s        ParseDuration("500ms") == 0.5s
//
// Errors are InvalidArgument with a message that quotes the input and says what is
// expected, so callers only prefix the field or flag name. Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_QUANTITY_H_
#define MICROSCALE_COMMON_QUANTITY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace microscale {

// CPU in millicores: a plain or decimal number of cores ("2", "0.5") or millicores ("250m").
// Must be > 0 and a whole number of millicores.
absl::StatusOr<int64_t> ParseCpuMillis(std::string_view text);

// Memory in bytes: a number with an optional suffix: binary Ki Mi Gi Ti Pi Ei, decimal
// k M G T P E, or an exponent (e.g. "129e6"). Must be > 0 and a whole number of bytes.
absl::StatusOr<int64_t> ParseMemoryBytes(std::string_view text);

// A duration: one or more number+unit pairs, units ns us ms s m h ("10s", "1h30m", "1.5s").
// Must be >= 0.
absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);

// The shortest exact spelling: 250 -> "250m", 2000 -> "2".
std::string FormatCpuMillis(int64_t millis);
// The largest binary unit that divides exactly: 67108864 -> "64Mi", 1000 -> "1000".
std::string FormatMemoryBytes(int64_t bytes);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_QUANTITY_H_
