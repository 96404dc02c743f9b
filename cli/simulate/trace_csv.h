// The simulator's demand trace: `seconds,app,value` (a level trace: the demand reading of
// the app from that moment on) or `seconds,app,arrivals` (a queue: items arriving per
// second from that moment on). The header line is required; it says which kind the file is.
//
//   seconds,app,value
//   0,checkout-api,5
//   0,worker,40
//   30,checkout-api,25
//
// A value holds until the app's next row. Times are seconds (decimals allowed), never
// going backwards through the file; an app has at most one row per time. Errors are
// InvalidArgument "FILE:LINE: reason". Pure functions; thread-safe.
#ifndef MICROSCALE_CLI_SIMULATE_TRACE_CSV_H_
#define MICROSCALE_CLI_SIMULATE_TRACE_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace microscale::simulate {

enum class TraceKind { kLevel, kArrivals };

struct TracePoint {
  int64_t at_us = 0;  // microseconds from the start of the simulation
  int app = 0;        // index into the app names given to the reader
  double value = 0;   // >= 0: the demand reading, or arrivals per second
  bool operator==(const TracePoint&) const = default;
};

struct DemandTrace {
  TraceKind kind = TraceKind::kLevel;
  std::vector<TracePoint> points;  // in time order, as in the file
  int64_t last_at_us() const { return points.empty() ? 0 : points.back().at_us; }
};

// The largest time a trace may name (about three years).
inline constexpr double kMaxTraceSeconds = 1e8;

// Reads a trace whose apps must all be among `apps` (the manifest's app names).
absl::StatusOr<DemandTrace> ParseDemandTrace(absl::string_view text, absl::string_view source,
                                             const std::vector<std::string>& apps);

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_TRACE_CSV_H_
