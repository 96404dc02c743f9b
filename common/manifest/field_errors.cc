#include "common/manifest/field_errors.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale::manifest_internal {
namespace {

constexpr size_t kMaxQuoted = 64;

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// True if `path` is `parent` or lies below it.
bool IsWithin(std::string_view path, std::string_view parent) {
  if (!path.starts_with(parent)) return false;
  if (path.size() == parent.size() || parent.empty()) return true;
  char next = path[parent.size()];
  return next == '.' || next == '[';
}

}  // namespace

void FieldErrors::Add(std::string path, std::string reason) {
  errors_.push_back(FieldError{std::move(path), std::move(reason)});
}

void FieldErrors::AddUnlessCovered(const FieldError& error) {
  for (const FieldError& existing : errors_) {
    if (IsWithin(error.path, existing.path)) return;
  }
  errors_.push_back(error);
}

std::string ChildPath(std::string_view parent, std::string_view key) {
  if (IsPlainKey(key)) {
    if (parent.empty()) return std::string(key);
    return absl::StrCat(ToAbsl(parent), ".", ToAbsl(key));
  }
  return absl::StrCat(ToAbsl(parent), "[", Quote(key), "]");
}

std::string IndexPath(std::string_view parent, size_t index) {
  return absl::StrCat(ToAbsl(parent), "[", index, "]");
}

std::string Quote(std::string_view value) {
  if (value.size() > kMaxQuoted) {
    return absl::StrCat("\"", absl::CHexEscape(ToAbsl(value.substr(0, kMaxQuoted))), "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(ToAbsl(value)), "\"");
}

std::string FormatFieldError(const FieldError& error) {
  if (error.path.empty()) return error.reason;
  return absl::StrCat(error.path, ": ", error.reason);
}

}  // namespace microscale::manifest_internal
