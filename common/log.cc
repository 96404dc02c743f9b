#include "common/log.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {
namespace {

const char* LevelName(LogLevel level, bool upper) {
  switch (level) {
    case LogLevel::kDebug:
      return upper ? "DEBUG" : "debug";
    case LogLevel::kInfo:
      return upper ? "INFO" : "info";
    case LogLevel::kWarn:
      return upper ? "WARN" : "warn";
    case LogLevel::kError:
      return upper ? "ERROR" : "error";
  }
  return "?";
}

// JSON string escaping; also used for quoted text values.
void AppendEscaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  AppendEscaped(out, s);
  out += '"';
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string FormatText(absl::Time time, LogLevel level, std::string_view message,
                       const std::vector<LogField>& fields) {
  std::string out = absl::StrCat(Timestamp(time), " ", LevelName(level, true), " ");
  if (NeedsQuotes(message)) {
    AppendQuoted(out, message);
  } else {
    out += message;
  }
  for (const LogField& f : fields) {
    absl::StrAppend(&out, " ", f.key(), "=");
    if (NeedsQuotes(f.value())) {
      AppendQuoted(out, f.value());
    } else {
      out += f.value();
    }
  }
  return out;
}

std::string FormatJson(absl::Time time, LogLevel level, std::string_view message,
                       const std::vector<LogField>& fields) {
  std::string out = absl::StrCat("{\"ts\":\"", Timestamp(time), "\",\"level\":\"",
                                 LevelName(level, false), "\",\"msg\":");
  AppendQuoted(out, message);
  for (const LogField& f : fields) {
    out += ',';
    AppendQuoted(out, f.key());
    out += ':';
    if (f.bare()) {
      out += f.value();
    } else {
      AppendQuoted(out, f.value());
    }
  }
  out += '}';
  return out;
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("\"", ToAbsl(text), "\" is not a log format (expected text or json)"));
}

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(l, false)) return l;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", ToAbsl(text), "\" is not a log level (expected debug, info, warn or error)"));
}

LogField::LogField(std::string_view key, std::string_view value) : key_(key), value_(value) {}
LogField::LogField(std::string_view key, const char* value)
    : key_(key), value_(value == nullptr ? "" : value) {}
LogField::LogField(std::string_view key, const std::string& value) : key_(key), value_(value) {}
LogField::LogField(std::string_view key, bool value)
    : key_(key), value_(value ? "true" : "false"), bare_(true) {}
LogField::LogField(std::string_view key, double value)
    : key_(key), value_(absl::StrCat(value)), bare_(std::isfinite(value)) {}
LogField::LogField(std::string_view key, absl::Duration value)
    : key_(key), value_(absl::FormatDuration(value)) {}
LogField::LogField(std::string_view key, const absl::Status& value)
    : key_(key), value_(value.ToString()) {}

std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          std::string_view message, const std::vector<LogField>& fields) {
  return format == LogFormat::kJson ? FormatJson(time, level, message, fields)
                                    : FormatText(time, level, message, fields);
}

Logger::Logger(std::ostream* out, LogFormat format, LogLevel min_level, const Clock* clock)
    : out_(out), clock_(clock), format_(format), min_level_(min_level) {}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  absl::Time now = clock_->Now();
  std::vector<LogField> copy(fields);
  absl::MutexLock lock(&mu_);
  std::string line = FormatLogLine(format_, now, level, message, copy);
  line += '\n';
  out_->write(line.data(), static_cast<std::streamsize>(line.size()));
  out_->flush();
}

void Logger::SetFormat(LogFormat format) {
  absl::MutexLock lock(&mu_);
  format_ = format;
}

void Logger::SetMinLevel(LogLevel level) {
  absl::MutexLock lock(&mu_);
  min_level_ = level;
}

bool Logger::Enabled(LogLevel level) const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(level) >= static_cast<int>(min_level_);
}

Logger& GlobalLogger() {
  static Logger* logger = new Logger(&std::cerr, LogFormat::kText, LogLevel::kInfo);
  return *logger;
}

void LogConfigure(LogFormat format, LogLevel min_level) {
  GlobalLogger().SetFormat(format);
  GlobalLogger().SetMinLevel(min_level);
}

}  // namespace microscale
