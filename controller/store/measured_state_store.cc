#include "controller/store/measured_state_store.h"

#include <chrono>
#include <utility>

namespace microscale {
namespace {

bool IsStoreFailure(const absl::Status& status) {
  return !status.ok() && !absl::IsNotFound(status) && !absl::IsInvalidArgument(status) &&
         !absl::IsAlreadyExists(status);
}

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

}  // namespace

MeasuredStateStore::MeasuredStateStore(std::unique_ptr<StateStore> inner, StoreObserver observer)
    : inner_(std::move(inner)), observer_(std::move(observer)) {}

template <typename Call>
auto MeasuredStateStore::Measure(const char* op, bool write, Call call) -> decltype(call()) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  if (write && observer_.write) {
    observer_.write(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (IsStoreFailure(StatusOf(result)) && observer_.failure) observer_.failure(op);
  return result;
}

absl::StatusOr<std::vector<AppChange>> MeasuredStateStore::ApplyApps(
    const std::vector<v1::AppSpec>& apps) {
  return Measure("ApplyApps", true, [&] { return inner_->ApplyApps(apps); });
}
absl::Status MeasuredStateStore::DeleteApp(std::string_view name) {
  return Measure("DeleteApp", true, [&] { return inner_->DeleteApp(name); });
}
absl::StatusOr<std::vector<StoredApp>> MeasuredStateStore::ListApps() {
  return Measure("ListApps", false, [&] { return inner_->ListApps(); });
}
absl::StatusOr<StoredApp> MeasuredStateStore::GetApp(std::string_view name) {
  return Measure("GetApp", false, [&] { return inner_->GetApp(name); });
}
absl::Status MeasuredStateStore::SetStaticDemand(std::string_view app, double value) {
  return Measure("SetStaticDemand", true, [&] { return inner_->SetStaticDemand(app, value); });
}
absl::StatusOr<std::map<std::string, double>> MeasuredStateStore::GetStaticDemands() {
  return Measure("GetStaticDemands", false, [&] { return inner_->GetStaticDemands(); });
}
absl::Status MeasuredStateStore::SetCordon(std::string_view node, bool cordoned, bool draining) {
  return Measure("SetCordon", true, [&] { return inner_->SetCordon(node, cordoned, draining); });
}
absl::StatusOr<std::set<std::string>> MeasuredStateStore::ListCordons() {
  return Measure("ListCordons", false, [&] { return inner_->ListCordons(); });
}
absl::StatusOr<std::set<std::string>> MeasuredStateStore::ListDraining() {
  return Measure("ListDraining", false, [&] { return inner_->ListDraining(); });
}
absl::Status MeasuredStateStore::ReplaceAssignments(const std::vector<v1::Container>& containers) {
  return Measure("ReplaceAssignments", true,
                 [&] { return inner_->ReplaceAssignments(containers); });
}
absl::Status MeasuredStateStore::ApplyAssignmentChanges(const AssignmentChanges& changes) {
  return Measure("ApplyAssignmentChanges", true,
                 [&] { return inner_->ApplyAssignmentChanges(changes); });
}
absl::Status MeasuredStateStore::UpsertAssignment(const v1::Container& container) {
  return Measure("UpsertAssignment", true, [&] { return inner_->UpsertAssignment(container); });
}
absl::Status MeasuredStateStore::RemoveAssignment(std::string_view instance) {
  return Measure("RemoveAssignment", true, [&] { return inner_->RemoveAssignment(instance); });
}
absl::StatusOr<std::vector<v1::Container>> MeasuredStateStore::ListAssignments() {
  return Measure("ListAssignments", false, [&] { return inner_->ListAssignments(); });
}
absl::StatusOr<std::map<std::string, int64_t>> MeasuredStateStore::GetNextOrdinals() {
  return Measure("GetNextOrdinals", false, [&] { return inner_->GetNextOrdinals(); });
}
absl::Status MeasuredStateStore::SetNextOrdinals(const std::map<std::string, int64_t>& next) {
  return Measure("SetNextOrdinals", true, [&] { return inner_->SetNextOrdinals(next); });
}
absl::StatusOr<StoredToken> MeasuredStateStore::CreateToken(std::string_view name,
                                                            std::string_view role,
                                                            std::string_view hash) {
  return Measure("CreateToken", true, [&] { return inner_->CreateToken(name, role, hash); });
}
absl::Status MeasuredStateStore::DeleteToken(std::string_view name) {
  return Measure("DeleteToken", true, [&] { return inner_->DeleteToken(name); });
}
absl::StatusOr<std::vector<StoredToken>> MeasuredStateStore::ListTokens() {
  return Measure("ListTokens", false, [&] { return inner_->ListTokens(); });
}

}  // namespace microscale
