// SqliteStateStore: the default StateStore, one SQLite file `microscale.db` in the
// controller's data directory (--data-dir).
//
// The database runs in WAL mode with a busy timeout, so a reader never blocks the writer
// and a second process on the same file waits instead of failing at once. Each write is
// one IMMEDIATE transaction. The schema carries a version in its `meta` table; a file
// written by a newer Microscale is refused with FailedPrecondition rather than misread.
// Thread-safety: every method is safe to call concurrently; calls are serialized on one
// connection.
#ifndef MICROSCALE_CONTROLLER_STORE_SQLITE_STATE_STORE_H_
#define MICROSCALE_CONTROLLER_STORE_SQLITE_STATE_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/store/sqlite_db.h"
#include "controller/store/state_store.h"

namespace microscale {

class SqliteStateStore final : public StateStore {
 public:
  // The schema version this build writes and the newest it reads.
  // Version 2 added the tokens table; a version 1 file is upgraded when opened.
  static constexpr int kSchemaVersion = 3;
  // The database's file name inside the data directory.
  static constexpr const char* kFileName = "microscale.db";

  // Opens the store in `data_dir`, creating the directory and the database as needed.
  // Fails with FailedPrecondition if the directory cannot be created or written, or the
  // schema is newer than kSchemaVersion; with DataLoss if the file is not a database.
  // `clock` stamps app creation times and must outlive the store.
  static absl::StatusOr<std::unique_ptr<SqliteStateStore>> Open(const std::string& data_dir,
                                                                Clock& clock = RealClock::Get());

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
  SqliteStateStore(std::unique_ptr<store_internal::SqliteDb> db, Clock& clock);
  // The node names a one-column `sql` over cordons returns.
  absl::StatusOr<std::set<std::string>> ListCordonsWhere(const char* sql);

  // Runs `body` in one IMMEDIATE transaction: committed if it returns OK, else rolled back.
  absl::Status InTransaction(const std::function<absl::Status()>& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<AppChange> ApplyOne(const v1::AppSpec& spec) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteAssignment(const v1::Container& container) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteAssignmentRow(const v1::Container& container)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RaiseOrdinal(const std::string& app, int64_t next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  absl::Mutex mu_;
  std::unique_ptr<store_internal::SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_SQLITE_STATE_STORE_H_
