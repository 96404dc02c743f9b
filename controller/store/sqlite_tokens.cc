// SqliteStateStore: API tokens (name, role, SHA-256 of the secret, creation time).
#include <utility>

#include "common/status_macros.h"
#include "controller/store/sqlite_state_store.h"
#include "controller/store/store_rules.h"

namespace microscale {

using store_internal::SqliteStatement;

absl::StatusOr<StoredToken> SqliteStateStore::CreateToken(std::string_view name,
                                                          std::string_view role,
                                                          std::string_view hash) {
  RETURN_IF_ERROR(store_internal::CheckToken(name, role, hash));
  absl::MutexLock lock(&mu_);
  StoredToken token{std::string(name), std::string(role), std::string(hash), clock_.Now()};
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("INSERT INTO tokens (name, role, hash, created_unix_ms) "
                                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO NOTHING "
                                "RETURNING name"));
  stmt.Bind(1, token.name).Bind(2, token.role).Bind(3, token.hash);
  ASSIGN_OR_RETURN(bool inserted, stmt.Bind(4, absl::ToUnixMillis(token.created)).Step());
  RETURN_IF_ERROR(stmt.Run());
  if (!inserted) return store_internal::TokenExists(name);
  // The stored time has millisecond precision; hand back what a later read returns.
  token.created = absl::FromUnixMillis(absl::ToUnixMillis(token.created));
  return token;
}

absl::Status SqliteStateStore::DeleteToken(std::string_view name) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("DELETE FROM tokens WHERE name = ?1 RETURNING name"));
  ASSIGN_OR_RETURN(bool deleted, stmt.Bind(1, name).Step());
  RETURN_IF_ERROR(stmt.Run());
  if (!deleted) return store_internal::TokenNotFound(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredToken>> SqliteStateStore::ListTokens() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT name, role, hash, created_unix_ms FROM tokens "
                                "ORDER BY name"));
  std::vector<StoredToken> tokens;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    tokens.push_back(StoredToken{stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2),
                                 absl::FromUnixMillis(stmt.ColumnInt(3))});
  }
  return tokens;
}

}  // namespace microscale
