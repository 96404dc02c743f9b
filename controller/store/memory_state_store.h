// MemoryStateStore: a StateStore that keeps everything in process memory and forgets it
// on exit. For unit tests of the controller; it follows the same rules as the SQLite store
// (all-or-nothing writes, counters that never go back).
// Thread-safety: every method is safe to call concurrently (one mutex).
#ifndef MICROSCALE_CONTROLLER_STORE_MEMORY_STATE_STORE_H_
#define MICROSCALE_CONTROLLER_STORE_MEMORY_STATE_STORE_H_

#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/store/state_store.h"

namespace microscale {

// Not final: a test may override a write to run something at that point of a pass.
class MemoryStateStore : public StateStore {
 public:
  // `clock` stamps the creation time of apps; it must outlive the store.
  explicit MemoryStateStore(Clock& clock = RealClock::Get());

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
  void RaiseOrdinalFor(const v1::Container& container) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, StoredApp> apps_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, double> static_demand_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> cordons_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> draining_ ABSL_GUARDED_BY(mu_);  // a subset of cordons_
  std::map<std::string, v1::Container> assignments_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> next_ordinals_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredToken> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_MEMORY_STATE_STORE_H_
