// The SQLite schema of the state store and its version check. Internal to
// controller/store. Thread-safety: thread-compatible (the caller owns the database).
#ifndef MICROSCALE_CONTROLLER_STORE_SQLITE_SCHEMA_H_
#define MICROSCALE_CONTROLLER_STORE_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "controller/store/sqlite_db.h"

namespace microscale::store_internal {

// Sets the connection's pragmas (WAL, busy timeout, foreign keys), then creates the schema
// at `version` in an empty database, accepts a database at `version`, upgrades an older
// one (version 1 gains the tokens table, version 2 the cordons' drain mark) in one transaction, and
// refuses a newer one or a database that is not a Microscale state store with FailedPrecondition.
absl::Status PrepareSchema(SqliteDb& db, int version);

}  // namespace microscale::store_internal

#endif  // MICROSCALE_CONTROLLER_STORE_SQLITE_SCHEMA_H_
