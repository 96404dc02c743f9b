#include "common/manifest/yaml_scalar.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/strings.h"

namespace microscale::manifest_internal {
namespace {

bool AllOf(std::string_view s, bool (*pred)(unsigned char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsDigit(unsigned char c) { return absl::ascii_isdigit(c); }
bool IsHexDigit(unsigned char c) { return absl::ascii_isxdigit(c); }
bool IsOctDigit(unsigned char c) { return c >= '0' && c <= '7'; }

std::string_view StripSign(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s;
}

bool IsNull(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool IsBool(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

bool IsInt(std::string_view s) {
  if (s.starts_with("0x")) return AllOf(s.substr(2), IsHexDigit);
  if (s.starts_with("0o")) return AllOf(s.substr(2), IsOctDigit);
  return AllOf(StripSign(s), IsDigit);
}

bool IsSpecialFloat(std::string_view s) {
  std::string_view u = StripSign(s);
  if (u == ".inf" || u == ".Inf" || u == ".INF") return true;
  return s == ".nan" || s == ".NaN" || s == ".NAN";
}

// [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsFloat(std::string_view s) {
  if (IsSpecialFloat(s)) return true;
  std::string_view u = StripSign(s);
  size_t i = 0;
  size_t int_digits = 0;
  while (i < u.size() && IsDigit(static_cast<unsigned char>(u[i]))) ++i, ++int_digits;
  size_t frac_digits = 0;
  if (i < u.size() && u[i] == '.') {
    ++i;
    while (i < u.size() && IsDigit(static_cast<unsigned char>(u[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < u.size() && (u[i] == 'e' || u[i] == 'E')) {
    ++i;
    if (i < u.size() && (u[i] == '-' || u[i] == '+')) ++i;
    return AllOf(u.substr(i), IsDigit);
  }
  return i == u.size();
}

bool IsPlainSafeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' ||
         c == '-' || c == '+' || c == '@' || c == '(' || c == ')' || c == ' ' || c == ':';
}

// YAML 1.1 spellings that a YAML 1.1 reader would not take as strings.
bool IsYaml11Special(std::string_view s) {
  static constexpr std::string_view kWords[] = {"y", "n", "yes", "no", "on", "off"};
  for (std::string_view word : kWords) {
    if (absl::EqualsIgnoreCase(ToAbsl(s), ToAbsl(word))) return true;
  }
  // Numbers with '_' separators, binary, sexagesimal: anything numeric-looking.
  std::string_view u = StripSign(s);
  if (u.empty() || !(IsDigit(static_cast<unsigned char>(u[0])) || u[0] == '.')) return false;
  for (char c : u) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) &&
        std::string_view("xXoObB._:+-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

ScalarKind ResolvePlainScalar(std::string_view text) {
  if (IsNull(text)) return ScalarKind::kNull;
  if (IsBool(text)) return ScalarKind::kBool;
  if (IsInt(text)) return ScalarKind::kInt;
  if (IsFloat(text)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

const char* ScalarKindName(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::kNull:
      return "null";
    case ScalarKind::kBool:
      return "boolean";
    case ScalarKind::kInt:
      return "integer";
    case ScalarKind::kFloat:
      return "number";
    case ScalarKind::kString:
      return "string";
  }
  return "string";
}

std::optional<uint64_t> ParseYamlUint(std::string_view text) {
  int base = 10;
  std::string_view digits = text;
  if (digits.starts_with("0x")) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.starts_with("0o")) {
    base = 8;
    digits.remove_prefix(2);
  } else if (digits.starts_with("+")) {
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 64) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    int d = absl::ascii_isdigit(static_cast<unsigned char>(c))
                ? c - '0'
                : absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    if (value > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                    static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return value;
}

std::optional<int64_t> ParseYamlInt(std::string_view text) {
  bool negative = text.starts_with("-");
  std::optional<uint64_t> magnitude = ParseYamlUint(negative ? text.substr(1) : text);
  if (!magnitude) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (*magnitude > kMax + 1) return std::nullopt;
    if (*magnitude == kMax + 1) return std::numeric_limits<int64_t>::min();
    return -static_cast<int64_t>(*magnitude);
  }
  if (*magnitude > kMax) return std::nullopt;
  return static_cast<int64_t>(*magnitude);
}

std::optional<double> ParseYamlNumber(std::string_view text) {
  if (IsSpecialFloat(text)) {
    if (StripSign(text).starts_with(".i") || StripSign(text).starts_with(".I")) {
      double inf = std::numeric_limits<double>::infinity();
      return text.starts_with("-") ? -inf : inf;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (IsInt(text) && (text.starts_with("0x") || text.starts_with("0o"))) {
    std::optional<uint64_t> value = ParseYamlUint(text);
    if (!value) return std::nullopt;
    return static_cast<double>(*value);
  }
  if (!IsInt(text) && !IsFloat(text)) return std::nullopt;
  std::string copy(text);
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return value;  // an overflow comes back as an infinity, refused by the caller
}

bool ParseYamlBool(std::string_view text) {
  return !text.empty() && (text[0] == 't' || text[0] == 'T');
}

bool NeedsQuotes(std::string_view text) {
  if (text.empty()) return true;
  if (ResolvePlainScalar(text) != ScalarKind::kString || IsYaml11Special(text)) return true;
  if (!absl::ascii_isalnum(static_cast<unsigned char>(text.front())) && text.front() != '/' &&
      text.front() != '_' && text.front() != '.') {
    return true;
  }
  if (text.back() == ' ' || text.back() == ':') return true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!IsPlainSafeChar(c)) return true;
    if (c == ':' && i + 1 < text.size() && text[i + 1] == ' ') return true;
    if (c == ' ' && i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '#')) {
      return true;
    }
  }
  return false;
}

}  // namespace microscale::manifest_internal
