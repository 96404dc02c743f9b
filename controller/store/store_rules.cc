#include "controller/store/store_rules.h"

#include <charconv>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
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

}  // namespace store_internal
}  // namespace microscale
