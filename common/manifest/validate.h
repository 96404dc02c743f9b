// The value rules of an App (ranges, formats, cross-field rules), checked on the plain
// struct so that manifests and specs that arrive over gRPC obey the same rules.
//
// Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_VALIDATE_H_
#define MICROSCALE_COMMON_MANIFEST_VALIDATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/manifest/app.h"
#include "common/manifest/field_errors.h"

namespace microscale::manifest_internal {

struct IntRange {
  int64_t lo;
  int64_t hi;
};

inline constexpr IntRange kPriorityRange{1, 1000};
inline constexpr IntRange kReplicaRange{0, 10000};
inline constexpr IntRange kStopTimeoutRange{0, 3600};
inline constexpr IntRange kAfterFailuresRange{1, 1000000};
inline constexpr IntRange kRedisDatabaseRange{0, 15};
inline constexpr IntRange kPortRange{1, 65535};
inline constexpr IntRange kHealthRetriesRange{1, 100};
inline constexpr double kMaxIntervalSeconds = 3600;
inline constexpr double kMaxTimeoutSeconds = 3600;
inline constexpr double kMaxDelaySeconds = 86400;
inline constexpr double kMaxHorizonSeconds = 3600;  // demand.predictive.horizonSeconds

// Size limits, so one app cannot make the controller or an agent hold or send megabytes.
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxCommandArgs = 256;
inline constexpr size_t kMaxCommandBytes = 32 * 1024;  // all arguments together
inline constexpr size_t kMaxEnvVars = 256;
inline constexpr size_t kMaxEnvNameBytes = 256;
inline constexpr size_t kMaxEnvValueBytes = 32 * 1024;
inline constexpr size_t kMaxPorts = 32;

// "must be between LO and HI (got V)" when `value` is outside `range`.
std::optional<std::string> IntRangeProblem(int64_t value, IntRange range);

// Adds every rule `spec` breaks to `errors`, skipping paths already reported there.
void ValidateSpec(const AppSpec& spec, FieldErrors& errors);

// Runs ValidateSpec over `errors` (problems found earlier, e.g. while converting) and
// reports them all as one InvalidArgument, each line prefixed `app NAME: `.
absl::Status AppErrorsToStatus(const AppSpec& spec, FieldErrors errors);

// Joins error lines into one InvalidArgument, at most kMaxReportedErrors of them.
absl::Status ErrorLinesToStatus(const std::vector<std::string>& lines);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_VALIDATE_H_
