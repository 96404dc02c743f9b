#include "controller/store/memory_state_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "controller/store/store_rules.h"

namespace microscale {

using store_internal::AppNotFound;
using store_internal::CheckAssignments;
using store_internal::CheckNoDuplicateApps;
using store_internal::InstanceOrdinal;
using store_internal::SameDemand;
using store_internal::SameSpec;

namespace {}  // namespace

MemoryStateStore::MemoryStateStore(Clock& clock) : clock_(clock) {}

absl::StatusOr<std::vector<AppChange>> MemoryStateStore::ApplyApps(
    const std::vector<v1::AppSpec>& apps) {
  RETURN_IF_ERROR(CheckNoDuplicateApps(apps));
  absl::MutexLock lock(&mu_);
  // Writes go to a copy that replaces the state only when every app was accepted.
  std::map<std::string, StoredApp> next = apps_;
  std::vector<std::string> forget;  // static demand values a changed demand spec replaces
  std::vector<AppChange> changes;
  for (const v1::AppSpec& spec : apps) {
    if (spec.name().empty()) return absl::InvalidArgumentError("an app has an empty name");
    auto it = next.find(spec.name());
    if (it == next.end()) {
      next[spec.name()] = StoredApp{spec, clock_.Now(), 1};
      changes.push_back({spec.name(), ApplyAction::kCreated, 1});
    } else if (SameSpec(it->second.spec, spec)) {
      changes.push_back({spec.name(), ApplyAction::kUnchanged, it->second.generation});
    } else {
      if (!SameDemand(it->second.spec, spec)) forget.push_back(spec.name());
      it->second.spec = spec;
      ++it->second.generation;
      changes.push_back({spec.name(), ApplyAction::kConfigured, it->second.generation});
    }
  }
  apps_ = std::move(next);
  for (const std::string& name : forget) static_demand_.erase(name);
  return changes;
}

absl::Status MemoryStateStore::DeleteApp(std::string_view name) {
  absl::MutexLock lock(&mu_);
  if (apps_.erase(std::string(name)) == 0) return AppNotFound(name);
  static_demand_.erase(std::string(name));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredApp>> MemoryStateStore::ListApps() {
  absl::MutexLock lock(&mu_);
  std::vector<StoredApp> out;
  for (const auto& [name, app] : apps_) out.push_back(app);
  return out;
}

absl::StatusOr<StoredApp> MemoryStateStore::GetApp(std::string_view name) {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(std::string(name));
  if (it == apps_.end()) return AppNotFound(name);
  return it->second;
}

absl::Status MemoryStateStore::SetStaticDemand(std::string_view app, double value) {
  absl::MutexLock lock(&mu_);
  if (!apps_.contains(std::string(app))) return AppNotFound(app);
  static_demand_[std::string(app)] = value;
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, double>> MemoryStateStore::GetStaticDemands() {
  absl::MutexLock lock(&mu_);
  return static_demand_;
}

absl::Status MemoryStateStore::SetCordon(std::string_view node, bool cordoned, bool draining) {
  if (node.empty()) return absl::InvalidArgumentError("node name is empty");
  absl::MutexLock lock(&mu_);
  if (cordoned) {
    cordons_.insert(std::string(node));
  } else {
    cordons_.erase(std::string(node));
  }
  if (cordoned && draining) {
    draining_.insert(std::string(node));
  } else {
    draining_.erase(std::string(node));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::set<std::string>> MemoryStateStore::ListDraining() {
  absl::MutexLock lock(&mu_);
  return draining_;
}

absl::StatusOr<std::set<std::string>> MemoryStateStore::ListCordons() {
  absl::MutexLock lock(&mu_);
  return cordons_;
}

void MemoryStateStore::RaiseOrdinalFor(const v1::Container& container) {
  std::optional<int64_t> ordinal = InstanceOrdinal(container.app(), container.instance());
  if (!ordinal) return;
  int64_t& next = next_ordinals_[container.app()];
  next = std::max(next, *ordinal + 1);
}

absl::Status MemoryStateStore::ReplaceAssignments(const std::vector<v1::Container>& containers) {
  RETURN_IF_ERROR(CheckAssignments(containers));
  absl::MutexLock lock(&mu_);
  assignments_.clear();
  for (const v1::Container& c : containers) {
    assignments_[c.instance()] = c;
    RaiseOrdinalFor(c);
  }
  return absl::OkStatus();
}

absl::Status MemoryStateStore::ApplyAssignmentChanges(const AssignmentChanges& changes) {
  RETURN_IF_ERROR(CheckAssignments(changes.upserts));
  absl::MutexLock lock(&mu_);
  for (const v1::Container& c : changes.upserts) {
    assignments_[c.instance()] = c;
    RaiseOrdinalFor(c);
  }
  for (const std::string& instance : changes.removals) assignments_.erase(instance);
  return absl::OkStatus();
}

absl::Status MemoryStateStore::UpsertAssignment(const v1::Container& container) {
  RETURN_IF_ERROR(CheckAssignments({container}));
  absl::MutexLock lock(&mu_);
  assignments_[container.instance()] = container;
  RaiseOrdinalFor(container);
  return absl::OkStatus();
}

absl::Status MemoryStateStore::RemoveAssignment(std::string_view instance) {
  absl::MutexLock lock(&mu_);
  assignments_.erase(std::string(instance));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Container>> MemoryStateStore::ListAssignments() {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Container> out;
  for (const auto& [instance, c] : assignments_) out.push_back(c);
  return out;
}

absl::StatusOr<std::map<std::string, int64_t>> MemoryStateStore::GetNextOrdinals() {
  absl::MutexLock lock(&mu_);
  return next_ordinals_;
}

absl::Status MemoryStateStore::SetNextOrdinals(const std::map<std::string, int64_t>& next) {
  RETURN_IF_ERROR(store_internal::CheckNextOrdinals(next));
  absl::MutexLock lock(&mu_);
  for (const auto& [app, value] : next) {
    int64_t& stored = next_ordinals_[app];
    stored = std::max(stored, value);
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredToken> MemoryStateStore::CreateToken(std::string_view name,
                                                          std::string_view role,
                                                          std::string_view hash) {
  RETURN_IF_ERROR(store_internal::CheckToken(name, role, hash));
  absl::MutexLock lock(&mu_);
  StoredToken token{std::string(name), std::string(role), std::string(hash), clock_.Now()};
  if (!tokens_.emplace(token.name, token).second) return store_internal::TokenExists(name);
  return token;
}

absl::Status MemoryStateStore::DeleteToken(std::string_view name) {
  absl::MutexLock lock(&mu_);
  if (tokens_.erase(std::string(name)) == 0) return store_internal::TokenNotFound(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredToken>> MemoryStateStore::ListTokens() {
  absl::MutexLock lock(&mu_);
  std::vector<StoredToken> out;
  for (const auto& [name, token] : tokens_) out.push_back(token);
  return out;
}

}  // namespace microscale
