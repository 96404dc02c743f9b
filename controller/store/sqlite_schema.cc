#include "controller/store/sqlite_schema.h"

#include <functional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace microscale::store_internal {
namespace {

constexpr const char* kPragmas =
    "PRAGMA busy_timeout = 5000;"
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;";

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE apps (
  name TEXT PRIMARY KEY CHECK (length(name) > 0),
  spec BLOB NOT NULL,
  created_unix_ms INTEGER NOT NULL,
  generation INTEGER NOT NULL CHECK (generation > 0));
CREATE TABLE static_demand (
  app TEXT PRIMARY KEY REFERENCES apps (name) ON DELETE CASCADE,
  value REAL NOT NULL);
CREATE TABLE cordons (
  node TEXT PRIMARY KEY CHECK (length(node) > 0));
CREATE TABLE assignments (
  instance TEXT PRIMARY KEY CHECK (length(instance) > 0),
  app TEXT NOT NULL,
  node TEXT NOT NULL,
  record BLOB NOT NULL);
CREATE TABLE ordinals (
  app TEXT PRIMARY KEY,
  next INTEGER NOT NULL CHECK (next >= 0));
)sql";

// Version 2: API tokens, only the SHA-256 of each secret.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE tokens (
  name TEXT PRIMARY KEY CHECK (length(name) > 0),
  role TEXT NOT NULL CHECK (role IN ('read', 'admin')),
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  created_unix_ms INTEGER NOT NULL);
)sql";

// Version 3: a drain is an operator's decision like a cordon, and survives a restart.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE cordons ADD COLUMN draining INTEGER NOT NULL DEFAULT 0 CHECK (draining IN (0, 1));
)sql";

// Number of tables in the database (0 for a new file).
absl::StatusOr<int64_t> CountTables(SqliteDb& db) {
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'"));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

// The schema version in `meta`, or NotFound if there is no such table or row.
absl::StatusOr<int> ReadVersion(SqliteDb& db) {
  ASSIGN_OR_RETURN(
      SqliteStatement exists,
      db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"));
  ASSIGN_OR_RETURN(bool has_meta, exists.Step());
  if (!has_meta) return absl::NotFoundError("no meta table");
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db.Prepare("SELECT value FROM meta WHERE key = 'schema_version'"));
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  int version = 0;
  if (!row || !absl::SimpleAtoi(stmt.ColumnText(0), &version)) {
    return absl::NotFoundError("no schema_version");
  }
  return version;
}

absl::Status WriteVersion(SqliteDb& db, int version) {
  ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare("INSERT OR REPLACE INTO meta (key, value) "
                                                    "VALUES ('schema_version', ?1)"));
  return stmt.Bind(1, absl::StrCat(version)).Run();
}

// Runs `body` in one IMMEDIATE transaction: committed if it returns OK, else rolled back.
absl::Status InTransaction(SqliteDb& db, const std::function<absl::Status()>& body) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok()) db.Exec("ROLLBACK").IgnoreError();
  return status;
}

absl::Status CreateSchema(SqliteDb& db, int version) {
  return InTransaction(db, [&]() -> absl::Status {
    RETURN_IF_ERROR(db.Exec(kSchemaV1));
    RETURN_IF_ERROR(db.Exec(kSchemaV2));
    RETURN_IF_ERROR(db.Exec(kSchemaV3));
    return WriteVersion(db, version);
  });
}

// Brings an older database to `version`, one step at a time, in one transaction. Another
// process may upgrade the same file at the same time, so the version is read again inside
// the transaction.
absl::Status Upgrade(SqliteDb& db, int version) {
  return InTransaction(db, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(int stored, ReadVersion(db));
    if (stored >= version) return absl::OkStatus();
    if (stored < 2) RETURN_IF_ERROR(db.Exec(kSchemaV2));
    if (stored < 3) RETURN_IF_ERROR(db.Exec(kSchemaV3));
    return WriteVersion(db, version);
  });
}

}  // namespace

absl::Status PrepareSchema(SqliteDb& db, int version) {
  RETURN_IF_ERROR(db.Exec(kPragmas));
  absl::StatusOr<int> stored = ReadVersion(db);
  if (absl::IsNotFound(stored.status())) {
    ASSIGN_OR_RETURN(int64_t tables, CountTables(db));
    if (tables == 0) return CreateSchema(db, version);
    return absl::FailedPreconditionError(
        absl::StrCat("state database ", db.path(),
                     " holds tables but no Microscale schema version; refusing to use it"));
  }
  if (!stored.ok()) return stored.status();
  if (*stored < version) return Upgrade(db, version);
  if (*stored > version) {
    return absl::FailedPreconditionError(
        absl::StrCat("state database ", db.path(), " has schema version ", *stored,
                     ", written by a newer Microscale; this build reads up to version ", version,
                     ". Run the newer controller or restore a backup of the data directory."));
  }
  return absl::OkStatus();
}

}  // namespace microscale::store_internal
