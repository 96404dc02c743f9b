#include "cli/time_format.h"

#include "absl/strings/str_cat.h"

namespace microscale::cli {

std::string FormatAge(absl::Duration age) {
  const int64_t seconds = absl::ToInt64Seconds(age);
  if (seconds <= 0) return "0s";
  if (seconds < 60) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 60) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 24) return absl::StrCat(hours, "h");
  const int64_t days = hours / 24;
  if (days < 365) return absl::StrCat(days, "d");
  return absl::StrCat(days / 365, "y");
}

std::string FormatAgeSince(int64_t unix_ms, absl::Time now) {
  if (unix_ms == 0) return "<unknown>";
  return FormatAge(now - absl::FromUnixMillis(unix_ms));
}

std::string FormatRfc3339(int64_t unix_ms) {
  if (unix_ms == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

nlohmann::json Rfc3339OrNull(int64_t unix_ms) {
  if (unix_ms == 0) return nullptr;
  return FormatRfc3339(unix_ms);
}

}  // namespace microscale::cli
