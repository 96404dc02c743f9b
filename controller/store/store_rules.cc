#include "controller/store/store_rules.h"

#include <charconv>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "controller/store/state_store.h"
#include "google/protobuf/util/message_differencer.h"

namespace microscale {

const char* ApplyActionName(ApplyAction action) {
  switch (action) {
    case ApplyAction::kCreated:
      return "created";
    case ApplyAction::kConfigured:
      return "configured";
    case ApplyAction::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

namespace store_internal {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsDnsLabel(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (!IsLowerAlnum(text.front()) || !IsLowerAlnum(text.back())) return false;
  for (char c : text) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

absl::Status CheckToken(std::string_view name, std::string_view role, std::string_view hash) {
  if (!IsDnsLabel(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token name \"", ToAbsl(name),
        "\" is not a DNS label: at most 63 of a-z, 0-9 and '-', starting and ending with a "
        "letter or digit"));
  }
  if (role != "read" && role != "admin") {
    return absl::InvalidArgumentError(
        absl::StrCat("token role \"", ToAbsl(role), "\" is not read or admin"));
  }
  if (!IsSha256Hex(hash)) {
    return absl::InvalidArgumentError("token hash is not 64 lowercase hex digits (SHA-256)");
  }
  return absl::OkStatus();
}

absl::Status TokenExists(std::string_view name) {
  return absl::AlreadyExistsError(absl::StrCat("token \"", ToAbsl(name), "\" already exists"));
}

absl::Status AppNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("app \"", ToAbsl(name), "\" not found"));
}

absl::Status TokenNotFound(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("token \"", ToAbsl(name), "\" not found"));
}

absl::Status CheckNoDuplicateApps(const std::vector<v1::AppSpec>& apps) {
  std::set<std::string> seen;
  for (const v1::AppSpec& app : apps) {
    if (!seen.insert(app.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("app \"", app.name(), "\" appears more than once in one apply"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAssignments(const std::vector<v1::Container>& containers) {
  std::set<std::string> seen;
  for (const v1::Container& c : containers) {
    if (c.instance().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("an assignment of app \"", c.app(), "\" has an empty instance id"));
    }
    if (!seen.insert(c.instance()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("instance \"", c.instance(), "\" is assigned more than once"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckNextOrdinals(const std::map<std::string, int64_t>& next) {
  for (const auto& [app, value] : next) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("next ordinal of app \"", app, "\" is negative: ", value));
    }
  }
  return absl::OkStatus();
}

std::optional<int64_t> InstanceOrdinal(std::string_view app, std::string_view instance) {
  if (app.empty() || instance.size() <= app.size() + 1 || !instance.starts_with(app) ||
      instance[app.size()] != '-') {
    return std::nullopt;
  }
  std::string_view digits = instance.substr(app.size() + 1);
  int64_t ordinal = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), ordinal);
  if (error != std::errc() || end != digits.data() + digits.size() || ordinal < 0) {
    return std::nullopt;
  }
  return ordinal;
}

bool SameSpec(const v1::AppSpec& a, const v1::AppSpec& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

bool SameDemand(const v1::AppSpec& a, const v1::AppSpec& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a.demand(), b.demand());
}

}  // namespace store_internal
}  // namespace microscale
