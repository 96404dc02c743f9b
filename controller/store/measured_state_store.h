// MeasuredStateStore: a StateStore that reports how long each write of the store it wraps
// takes, and which operations fail, for the controller's metrics
// (microscale_store_write_duration_seconds, microscale_store_errors_total{op}).
//
// Refusals of bad requests (NotFound, InvalidArgument, AlreadyExists) are answers, not
// store failures, and are not counted. Thread-safety: as the wrapped store; the observer's
// functions are called from any thread.
#ifndef MICROSCALE_CONTROLLER_STORE_MEASURED_STATE_STORE_H_
#define MICROSCALE_CONTROLLER_STORE_MEASURED_STATE_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controller/store/state_store.h"

namespace microscale {

struct StoreObserver {
  std::function<void(double seconds)> write;    // every write, failed or not
  std::function<void(const char* op)> failure;  // op: the method, e.g. "ApplyApps"
};

class MeasuredStateStore final : public StateStore {
 public:
  MeasuredStateStore(std::unique_ptr<StateStore> inner, StoreObserver observer);

  absl::StatusOr<std::vector<AppChange>> ApplyApps(const std::vector<v1::AppSpec>& apps) override;
  absl::Status DeleteApp(std::string_view name) override;
  absl::StatusOr<std::vector<StoredApp>> ListApps() override;
  absl::StatusOr<StoredApp> GetApp(std::string_view name) override;
  absl::Status SetStaticDemand(std::string_view app, double value) override;
  absl::StatusOr<std::map<std::string, double>> GetStaticDemands() override;
  absl::Status SetCordon(std::string_view node, bool cordoned, bool draining = false) override;
  absl::StatusOr<std::set<std::string>> ListCordons() override;
  absl::StatusOr<std::set<std::string>> ListDraining() override;
  absl::Status ReplaceAssignments(const std::vector<v1::Container>& containers) override;
  absl::Status ApplyAssignmentChanges(const AssignmentChanges& changes) override;
  absl::Status UpsertAssignment(const v1::Container& container) override;
  absl::Status RemoveAssignment(std::string_view instance) override;
  absl::StatusOr<std::vector<v1::Container>> ListAssignments() override;
  absl::StatusOr<std::map<std::string, int64_t>> GetNextOrdinals() override;
  absl::Status SetNextOrdinals(const std::map<std::string, int64_t>& next) override;
  absl::StatusOr<StoredToken> CreateToken(std::string_view name, std::string_view role,
                                          std::string_view hash) override;
  absl::Status DeleteToken(std::string_view name) override;
  absl::StatusOr<std::vector<StoredToken>> ListTokens() override;

 private:
  // Runs `call` (a write when `write`), reporting its time and a failure.
  template <typename Call>
  auto Measure(const char* op, bool write, Call call) -> decltype(call());

  std::unique_ptr<StateStore> inner_;
  StoreObserver observer_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_MEASURED_STATE_STORE_H_
