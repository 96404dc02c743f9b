#include "common/quantity.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {
namespace {

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", absl::CHexEscape(ToAbsl(text)), "\" ", ToAbsl(why)));
}

// A decimal number without sign, exponent or spaces: digits with at most one '.'.
bool IsPlainDecimal(std::string_view s) {
  if (s.empty() || s == ".") return false;
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots <= 1;
}

// Multiplies a plain decimal by `scale` and requires a whole, positive, in-range result.
absl::StatusOr<int64_t> ScaleWhole(std::string_view text, std::string_view number,
                                   long double scale, std::string_view unit_name) {
  long double value = 0;
  std::string copy(number);
  value = std::strtold(copy.c_str(), nullptr);
  long double scaled = value * scale;
  if (!std::isfinite(static_cast<double>(scaled)) ||
      scaled > static_cast<long double>(std::numeric_limits<int64_t>::max()) / 2) {
    return Invalid(text, "is too large");
  }
  long double rounded = std::round(scaled);
  if (std::fabs(static_cast<double>(scaled - rounded)) > 1e-6) {
    return Invalid(text, absl::StrCat("is not a whole number of ", ToAbsl(unit_name)));
  }
  if (rounded <= 0) return Invalid(text, "must be greater than zero");
  return static_cast<int64_t>(rounded);
}

}  // namespace

absl::StatusOr<int64_t> ParseCpuMillis(std::string_view text) {
  std::string_view number = text;
  long double scale = 1000;
  if (!number.empty() && number.back() == 'm') {
    number.remove_suffix(1);
    scale = 1;
  }
  if (!IsPlainDecimal(number)) {
    return Invalid(text,
                   "is not a CPU quantity (expected cores like \"0.5\" or "
                   "millicores like \"250m\")");
  }
  return ScaleWhole(text, number, scale, "millicores");
}

absl::StatusOr<int64_t> ParseMemoryBytes(std::string_view text) {
  static const std::pair<std::string_view, long double> kSuffixes[] = {
      {"Ki", 1024.0L},
      {"Mi", 1024.0L * 1024},
      {"Gi", 1024.0L * 1024 * 1024},
      {"Ti", 1024.0L * 1024 * 1024 * 1024},
      {"Pi", 1024.0L * 1024 * 1024 * 1024 * 1024},
      {"Ei", 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024},
      {"k", 1e3L},
      {"M", 1e6L},
      {"G", 1e9L},
      {"T", 1e12L},
      {"P", 1e15L},
      {"E", 1e18L},
  };
  std::string_view number = text;
  long double scale = 1;
  for (const auto& [suffix, factor] : kSuffixes) {
    if (number.size() > suffix.size() && number.ends_with(suffix)) {
      number.remove_suffix(suffix.size());
      scale = factor;
      break;
    }
  }
  // An exponent form, "129e6", only without a suffix.
  size_t e = number.find_first_of("eE");
  if (scale == 1 && e != std::string_view::npos) {
    std::string_view exponent = number.substr(e + 1);
    int exp = 0;
    if (!IsPlainDecimal(number.substr(0, e)) || exponent.empty() || exponent.size() > 2 ||
        !absl::SimpleAtoi(ToAbsl(exponent), &exp)) {
      return Invalid(text,
                     "is not a memory quantity (expected bytes like \"64Mi\", "
                     "\"1G\" or \"134217728\")");
    }
    number = number.substr(0, e);
    scale = std::pow(10.0L, exp);
  }
  if (!IsPlainDecimal(number)) {
    return Invalid(text,
                   "is not a memory quantity (expected bytes like \"64Mi\", "
                   "\"1G\" or \"134217728\")");
  }
  return ScaleWhole(text, number, scale, "bytes");
}

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  static const std::pair<std::string_view, absl::Duration> kUnits[] = {
      {"ns", absl::Nanoseconds(1)}, {"us", absl::Microseconds(1)}, {"ms", absl::Milliseconds(1)},
      {"s", absl::Seconds(1)},      {"m", absl::Minutes(1)},       {"h", absl::Hours(1)},
  };
  constexpr std::string_view kExpected =
      "is not a duration (expected a number and a unit, like \"10s\", \"500ms\" or "
      "\"1m30s\"; units ns, us, ms, s, m, h)";
  if (text.empty()) return Invalid(text, kExpected);
  std::string_view rest = text;
  absl::Duration total;
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.')) {
      ++n;
    }
    std::string_view number = rest.substr(0, n);
    rest.remove_prefix(n);
    size_t u = 0;
    while (u < rest.size() && absl::ascii_isalpha(static_cast<unsigned char>(rest[u]))) ++u;
    std::string_view unit = rest.substr(0, u);
    rest.remove_prefix(u);
    if (!IsPlainDecimal(number)) return Invalid(text, kExpected);
    const absl::Duration* factor = nullptr;
    for (const auto& [name, d] : kUnits) {
      if (name == unit) factor = &d;
    }
    if (factor == nullptr) return Invalid(text, kExpected);
    double value = 0;
    if (!absl::SimpleAtod(ToAbsl(number), &value) || value > 1e12)
      return Invalid(text, "is too large");
    total += value * *factor;
  }
  if (total > absl::Hours(24 * 365 * 100)) return Invalid(text, "is too large");
  return total;
}

std::string FormatCpuMillis(int64_t millis) {
  if (millis % 1000 == 0) return absl::StrCat(millis / 1000);
  return absl::StrCat(millis, "m");
}

std::string FormatMemoryBytes(int64_t bytes) {
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"Ei", int64_t{1} << 60}, {"Pi", int64_t{1} << 50}, {"Ti", int64_t{1} << 40},
      {"Gi", int64_t{1} << 30}, {"Mi", int64_t{1} << 20}, {"Ki", int64_t{1} << 10},
  };
  for (const auto& [unit, size] : kUnits) {
    if (bytes != 0 && bytes % size == 0) return absl::StrCat(bytes / size, ToAbsl(unit));
  }
  return absl::StrCat(bytes);
}

}  // namespace microscale
