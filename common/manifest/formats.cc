#include "common/manifest/formats.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/manifest/field_errors.h"
#include "common/strings.h"

namespace microscale::manifest_internal {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(ToAbsl(s), '.')) {
    if (!IsDnsLabel(ToStd(label))) return false;
  }
  return true;
}

// A registry host name component: [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsPort(std::string_view s) {
  uint32_t port = 0;
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(ToAbsl(s), &port) && port >= 1 && port <= 65535;
}

bool IsRegistry(std::string_view s) {
  std::string_view host = s;
  size_t colon = s.rfind(':');
  if (colon != std::string_view::npos) {
    if (!IsPort(s.substr(colon + 1))) return false;
    host = s.substr(0, colon);
  }
  if (host.empty()) return false;
  for (absl::string_view part : absl::StrSplit(ToAbsl(host), '.')) {
    if (!IsDomainComponent(ToStd(part))) return false;
  }
  return true;
}

// [a-z0-9]+ ( ( [._] | __ | -+ ) [a-z0-9]+ )*
bool IsPathComponent(std::string_view s) {
  size_t i = 0;
  auto run = [&] {
    size_t start = i;
    while (i < s.size() && IsLowerAlnum(s[i])) ++i;
    return i > start;
  };
  if (!run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!run()) return false;
  }
  return true;
}

// [\w][\w.-]{0,127}
bool IsTag(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  auto word = [](char c) { return IsAlnum(c) || c == '_'; };
  if (!word(s.front())) return false;
  for (char c : s) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsSha256Digest(std::string_view s) {
  if (!s.starts_with("sha256:") || s.size() != 7 + 64) return false;
  for (char c : s.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ImageProblem(std::string_view text, std::string_view detail) {
  return absl::StrCat("is not a valid image reference: ", ToAbsl(detail), " (got ", Quote(text),
                      "; expected [registry/]repository[:tag][@sha256:digest], like "
                      "\"microscale/demo:latest\")");
}

Problem CheckImageName(std::string_view text, std::string_view name) {
  if (name.size() > 255) return ImageProblem(text, "the repository name is over 255 characters");
  std::vector<std::string_view> parts;
  for (absl::string_view part : absl::StrSplit(ToAbsl(name), '/')) parts.push_back(ToStd(part));
  size_t first_path = 0;
  if (parts.size() > 1 &&
      (parts[0].find_first_of(".:") != std::string_view::npos || parts[0] == "localhost")) {
    if (!IsRegistry(parts[0])) {
      return ImageProblem(text, absl::StrCat("registry ", Quote(parts[0]), " is not host[:port]"));
    }
    first_path = 1;
  }
  for (size_t i = first_path; i < parts.size(); ++i) {
    if (parts[i].empty()) return ImageProblem(text, "a repository path component is empty");
    if (!IsPathComponent(parts[i])) {
      return ImageProblem(text, absl::StrCat("repository path component ", Quote(parts[i]),
                                             " must be lowercase letters and digits, "
                                             "separated by '.', '_', '__' or '-'"));
    }
  }
  return std::nullopt;
}

}  // namespace

Problem DnsLabelProblem(std::string_view text) {
  if (IsDnsLabel(text)) return std::nullopt;
  return absl::StrCat(
      "must be a DNS label: lowercase letters, digits and '-', starting and ending with a "
      "letter or digit, at most 63 characters (got ",
      Quote(text), ")");
}

Problem PortNameProblem(std::string_view text) {
  const bool letter =
      std::any_of(text.begin(), text.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
  if (text.size() <= 15 && IsDnsLabel(text) && letter &&
      text.find("--") == std::string_view::npos) {
    return std::nullopt;
  }
  return absl::StrCat(
      "must be a port name: at most 15 lowercase letters, digits and '-', with at least one "
      "letter, starting and ending with a letter or digit, no \"--\" (got ",
      Quote(text), ")");
}

Problem LabelKeyProblem(std::string_view text) {
  std::string_view name = text;
  size_t slash = text.find('/');
  bool prefix_ok = true;
  if (slash != std::string_view::npos) {
    prefix_ok = IsDnsSubdomain(text.substr(0, slash));
    name = text.substr(slash + 1);
  }
  if (prefix_ok && name.size() <= 63 && IsQualifiedNamePart(name)) return std::nullopt;
  return absl::StrCat(
      "is not a valid label key: [prefix/]name, the name at most 63 letters, digits, '-', "
      "'_' or '.' starting and ending with a letter or digit, the prefix a DNS subdomain "
      "(got ",
      Quote(text), ")");
}

Problem LabelValueProblem(std::string_view text) {
  if (text.empty() || (text.size() <= 63 && IsQualifiedNamePart(text))) return std::nullopt;
  return absl::StrCat(
      "is not a valid label value: at most 63 letters, digits, '-', '_' or '.', starting and "
      "ending with a letter or digit (got ",
      Quote(text), ")");
}

Problem ImageReferenceProblem(std::string_view text) {
  if (text.empty()) return "is required";
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return ImageProblem(text, "it must not contain spaces or control characters");
    }
  }
  std::string_view rest = text;
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    if (!IsSha256Digest(rest.substr(at + 1))) {
      return ImageProblem(text, "the digest must be sha256: and 64 lowercase hex digits");
    }
    rest = rest.substr(0, at);
  }
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!IsTag(tag)) {
      return ImageProblem(text, absl::StrCat("tag ", Quote(tag),
                                             " must be 1 to 128 letters, digits, '_', '.' or "
                                             "'-', not starting with '.' or '-'"));
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return ImageProblem(text, "the repository is missing");
  return CheckImageName(text, rest);
}

Problem EnvNameProblem(std::string_view text) {
  bool ok = !text.empty() && !absl::ascii_isdigit(static_cast<unsigned char>(text[0]));
  for (char c : text) ok = ok && (IsAlnum(c) || c == '_');
  if (ok) return std::nullopt;
  return absl::StrCat(
      "is not a valid environment variable name: letters, digits and '_', not starting with a "
      "digit (got ",
      Quote(text), ")");
}

Problem NulProblem(std::string_view text) {
  if (text.find('\0') == std::string_view::npos) return std::nullopt;
  return std::string("must not contain a NUL character");
}

Problem HttpUrlProblem(std::string_view text) {
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else {
    return absl::StrCat("must be an http:// or https:// URL (got ", Quote(text), ")");
  }
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::StrCat("must not contain spaces or control characters (got ", Quote(text), ")");
    }
  }
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.front() == ':' || host.front() == '@') {
    return absl::StrCat("has no host (got ", Quote(text), ")");
  }
  return std::nullopt;
}

Problem HostPortProblem(std::string_view text) {
  std::string bad = absl::StrCat(
      "must be host:port with a port from 1 to 65535, like "
      "\"127.0.0.1:6379\" (got ",
      Quote(text), ")");
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || !IsPort(text.substr(colon + 1))) return bad;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    for (char c : host.substr(1, host.size() - 2)) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return bad;
      }
    }
    return std::nullopt;
  }
  if (host.empty() || host.size() > 253) return bad;
  for (absl::string_view part : absl::StrSplit(ToAbsl(host), '.')) {
    if (!IsDomainComponent(ToStd(part))) return bad;
  }
  return std::nullopt;
}

Problem JsonPointerProblem(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() != '/') {
    return absl::StrCat("must be a JSON pointer (RFC 6901): empty or starting with '/' (got ",
                        Quote(text), ")");
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '~' && (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1'))) {
      return absl::StrCat("is not a JSON pointer (RFC 6901): '~' must be followed by 0 or 1 (got ",
                          Quote(text), ")");
    }
  }
  return std::nullopt;
}

Problem HeaderNameProblem(std::string_view text) {
  static constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  bool ok = !text.empty();
  for (char c : text) ok = ok && (IsAlnum(c) || kTokenPunct.find(c) != std::string_view::npos);
  if (ok) return std::nullopt;
  return absl::StrCat("is not a valid HTTP header name (got ", Quote(text), ")");
}

Problem HeaderValueProblem(std::string_view text) {
  if (text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos) {
    return std::nullopt;
  }
  return std::string("must not contain CR, LF or NUL");
}

}  // namespace microscale::manifest_internal
