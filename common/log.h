// Structured logging: one line per event on stderr, as text or as JSON.
//
//   Log(LogLevel::kInfo, "connected", {{"controller", addr}, {"attempt", 3}});
//   text: 2024-05-01T12:00:00.123Z INFO connected controller=127.0.0.1:7400 attempt=3
//   json: {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"connected",...}
//
// A Logger writes each line with a single write under its mutex, so lines from several
// threads never interleave. The process-wide logger (LogConfigure / Log) is what binaries
// use; tests build their own Logger over a string stream. Thread-safe.
#ifndef MICROSCALE_COMMON_LOG_H_
#define MICROSCALE_COMMON_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace microscale {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// "text" | "json"; anything else is InvalidArgument.
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view text);
// "debug" | "info" | "warn" | "error"; anything else is InvalidArgument.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text);

// One key=value pair of a log line. Numbers and booleans stay unquoted in JSON.
class LogField {
 public:
  LogField(std::string_view key, std::string_view value);
  LogField(std::string_view key, const char* value);
  LogField(std::string_view key, const std::string& value);
  LogField(std::string_view key, bool value);
  LogField(std::string_view key, double value);
  LogField(std::string_view key, absl::Duration value);
  LogField(std::string_view key, const absl::Status& value);
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  LogField(std::string_view key, T value) : key_(key), value_(std::to_string(value)), bare_(true) {}

  const std::string& key() const { return key_; }
  const std::string& value() const { return value_; }
  // True when the value is a JSON literal (number or boolean) rather than a string.
  bool bare() const { return bare_; }

 private:
  std::string key_;
  std::string value_;
  bool bare_ = false;
};

// Formats one line (without the trailing newline). Pure; exposed for tests.
std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          std::string_view message, const std::vector<LogField>& fields);

class Logger {
 public:
  // `out` and `clock` must outlive the logger.
  Logger(std::ostream* out, LogFormat format, LogLevel min_level,
         const Clock* clock = &RealClock::Get());

  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields);
  void SetFormat(LogFormat format);
  void SetMinLevel(LogLevel level);
  bool Enabled(LogLevel level) const;

 private:
  std::ostream* const out_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  LogFormat format_ ABSL_GUARDED_BY(mu_);
  LogLevel min_level_ ABSL_GUARDED_BY(mu_);
};

// The process-wide logger, writing to stderr (text, info and up until configured).
Logger& GlobalLogger();
void LogConfigure(LogFormat format, LogLevel min_level = LogLevel::kInfo);

inline void Log(LogLevel level, std::string_view message,
                std::initializer_list<LogField> fields = {}) {
  GlobalLogger().Log(level, message, fields);
}
inline void LogDebug(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kDebug, m, f);
}
inline void LogInfo(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kInfo, m, f);
}
inline void LogWarn(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kWarn, m, f);
}
inline void LogError(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kError, m, f);
}

}  // namespace microscale

#endif  // MICROSCALE_COMMON_LOG_H_
