// SqliteDb and SqliteStatement: a thin RAII layer over the SQLite C API that turns result
// codes into absl::Status. Internal to controller/store.
//
// Error mapping: a violated constraint is InvalidArgument, a file that is not a database
// (or is damaged) is DataLoss, a busy or locked database is Unavailable, a file that cannot
// be opened or written is FailedPrecondition; anything else is Internal. Every message
// names the database file.
// Thread-safety: thread-compatible; the owner serializes calls.
#ifndef MICROSCALE_CONTROLLER_STORE_SQLITE_DB_H_
#define MICROSCALE_CONTROLLER_STORE_SQLITE_DB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace microscale::store_internal {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string path);
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters are numbered from 1, as in SQL's `?1`.
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& BindBlob(int index, std::string_view bytes);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, double value);

  // Makes the statement ready to run again, with no parameters bound.
  void Reset();

  // Runs one step: true if a row is ready to read, false when done.
  absl::StatusOr<bool> Step();
  // Steps until done; for statements that return no rows.
  absl::Status Run();

  std::string ColumnText(int column) const;  // also reads blobs
  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string path_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database file at `path`, read-write.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more statements that take no parameters.
  absl::Status Exec(std::string_view sql);
  absl::StatusOr<SqliteStatement> Prepare(std::string_view sql);
  // A statement prepared once and kept for the life of the database, reset and ready to
  // bind: for the statements a hot path runs again and again.
  absl::StatusOr<SqliteStatement*> Cached(std::string_view sql);
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path);

  sqlite3* db_;
  std::string path_;
  // Finalized before the database closes (declared after db_, destroyed first).
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> cached_;
};

// The Status for result code `code` of an operation on `db` stored at `path`.
absl::Status SqliteError(sqlite3* db, int code, std::string_view path);

}  // namespace microscale::store_internal

#endif  // MICROSCALE_CONTROLLER_STORE_SQLITE_DB_H_
