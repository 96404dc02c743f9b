#include "controller/store/sqlite_state_store.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "controller/store/sqlite_schema.h"
#include "controller/store/store_rules.h"

namespace microscale {

using store_internal::AppNotFound;
using store_internal::SqliteDb;
using store_internal::SqliteStatement;

namespace {

absl::StatusOr<StoredApp> ReadAppRow(const SqliteStatement& stmt, int first_column) {
  StoredApp app;
  if (!app.spec.ParseFromString(stmt.ColumnText(first_column))) {
    return absl::DataLossError("state database holds an app spec that does not parse");
  }
  app.created = absl::FromUnixMillis(stmt.ColumnInt(first_column + 1));
  app.generation = stmt.ColumnInt(first_column + 2);
  return app;
}

absl::Status EnsureDirectory(const std::string& data_dir) {
  std::error_code error;
  if (std::filesystem::exists(data_dir, error) && !std::filesystem::is_directory(data_dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", data_dir, " exists and is not a directory"));
  }
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", data_dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

SqliteStateStore::SqliteStateStore(std::unique_ptr<SqliteDb> db, Clock& clock)
    : clock_(clock), db_(std::move(db)) {}

absl::StatusOr<std::unique_ptr<SqliteStateStore>> SqliteStateStore::Open(
    const std::string& data_dir, Clock& clock) {
  RETURN_IF_ERROR(EnsureDirectory(data_dir));
  std::string path = (std::filesystem::path(data_dir) / kFileName).string();
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  RETURN_IF_ERROR(store_internal::PrepareSchema(*db, kSchemaVersion));
  return std::unique_ptr<SqliteStateStore>(new SqliteStateStore(std::move(db), clock));
}

absl::Status SqliteStateStore::InTransaction(const std::function<absl::Status()>& body) {
  RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = db_->Exec("COMMIT");
  if (!status.ok()) db_->Exec("ROLLBACK").IgnoreError();
  return status;
}

absl::StatusOr<AppChange> SqliteStateStore::ApplyOne(const v1::AppSpec& spec) {
  ASSIGN_OR_RETURN(SqliteStatement * find,
                   db_->Cached("SELECT spec, created_unix_ms, generation FROM apps "
                               "WHERE name = ?1"));
  ASSIGN_OR_RETURN(bool exists, find->Bind(1, spec.name()).Step());
  std::string bytes = spec.SerializeAsString();
  if (!exists) {
    ASSIGN_OR_RETURN(SqliteStatement * insert,
                     db_->Cached("INSERT INTO apps (name, spec, created_unix_ms, generation) "
                                 "VALUES (?1, ?2, ?3, 1)"));
    insert->Bind(1, spec.name()).BindBlob(2, bytes).Bind(3, absl::ToUnixMillis(clock_.Now()));
    RETURN_IF_ERROR(Annotate(insert->Run(), absl::StrCat("app \"", spec.name(), "\"")));
    return AppChange{spec.name(), ApplyAction::kCreated, 1};
  }
  const std::string stored_bytes = find->ColumnText(0);
  ASSIGN_OR_RETURN(StoredApp stored, ReadAppRow(*find, 0));
  find->Reset();
  // The same bytes are the same spec; different bytes may still be (field order), so they
  // are compared field by field.
  if (stored_bytes == bytes || store_internal::SameSpec(stored.spec, spec)) {
    return AppChange{spec.name(), ApplyAction::kUnchanged, stored.generation};
  }
  ASSIGN_OR_RETURN(SqliteStatement * update,
                   db_->Cached("UPDATE apps SET spec = ?2, generation = generation + 1 "
                               "WHERE name = ?1"));
  RETURN_IF_ERROR(update->Bind(1, spec.name()).BindBlob(2, bytes).Run());
  if (!store_internal::SameDemand(stored.spec, spec)) {
    ASSIGN_OR_RETURN(SqliteStatement * forget,
                     db_->Cached("DELETE FROM static_demand WHERE app = ?1"));
    RETURN_IF_ERROR(forget->Bind(1, spec.name()).Run());
  }
  return AppChange{spec.name(), ApplyAction::kConfigured, stored.generation + 1};
}

absl::StatusOr<std::vector<AppChange>> SqliteStateStore::ApplyApps(
    const std::vector<v1::AppSpec>& apps) {
  RETURN_IF_ERROR(store_internal::CheckNoDuplicateApps(apps));
  absl::MutexLock lock(&mu_);
  std::vector<AppChange> changes;
  RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    for (const v1::AppSpec& spec : apps) {
      ASSIGN_OR_RETURN(AppChange change, ApplyOne(spec));
      changes.push_back(std::move(change));
    }
    return absl::OkStatus();
  }));
  return changes;
}

absl::Status SqliteStateStore::DeleteApp(std::string_view name) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("DELETE FROM apps WHERE name = ?1 RETURNING name"));
  ASSIGN_OR_RETURN(bool deleted, stmt.Bind(1, name).Step());
  RETURN_IF_ERROR(stmt.Run());
  if (!deleted) return AppNotFound(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredApp>> SqliteStateStore::ListApps() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT spec, created_unix_ms, generation FROM apps "
                                "ORDER BY name"));
  std::vector<StoredApp> apps;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(StoredApp app, ReadAppRow(stmt, 0));
    apps.push_back(std::move(app));
  }
  return apps;
}

absl::StatusOr<StoredApp> SqliteStateStore::GetApp(std::string_view name) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT spec, created_unix_ms, generation FROM apps "
                                "WHERE name = ?1"));
  ASSIGN_OR_RETURN(bool row, stmt.Bind(1, name).Step());
  if (!row) return AppNotFound(name);
  return ReadAppRow(stmt, 0);
}

absl::Status SqliteStateStore::SetStaticDemand(std::string_view app, double value) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("INSERT INTO static_demand (app, value) "
                                "SELECT name, ?2 FROM apps WHERE name = ?1 "
                                "ON CONFLICT (app) DO UPDATE SET value = excluded.value "
                                "RETURNING app"));
  ASSIGN_OR_RETURN(bool written, stmt.Bind(1, app).Bind(2, value).Step());
  RETURN_IF_ERROR(stmt.Run());
  if (!written) return AppNotFound(app);
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, double>> SqliteStateStore::GetStaticDemands() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("SELECT app, value FROM static_demand"));
  std::map<std::string, double> values;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    values[stmt.ColumnText(0)] = stmt.ColumnDouble(1);
  }
  return values;
}

absl::Status SqliteStateStore::SetCordon(std::string_view node, bool cordoned, bool draining) {
  if (node.empty()) return absl::InvalidArgumentError("node name is empty");
  absl::MutexLock lock(&mu_);
  if (!cordoned) {
    ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("DELETE FROM cordons WHERE node = ?1"));
    return stmt.Bind(1, node).Run();
  }
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("INSERT OR REPLACE INTO cordons (node, draining) VALUES (?1, ?2)"));
  return stmt.Bind(1, node).Bind(2, int64_t{draining ? 1 : 0}).Run();
}

absl::StatusOr<std::set<std::string>> SqliteStateStore::ListCordons() {
  return ListCordonsWhere("SELECT node FROM cordons");
}

absl::StatusOr<std::set<std::string>> SqliteStateStore::ListDraining() {
  return ListCordonsWhere("SELECT node FROM cordons WHERE draining = 1");
}

absl::StatusOr<std::set<std::string>> SqliteStateStore::ListCordonsWhere(const char* sql) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare(sql));
  std::set<std::string> nodes;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    nodes.insert(stmt.ColumnText(0));
  }
  return nodes;
}

}  // namespace microscale
