// SqliteStateStore: instance assignments and ordinal counters.
#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/store/sqlite_state_store.h"
#include "controller/store/store_rules.h"

namespace microscale {

using store_internal::SqliteStatement;

absl::Status SqliteStateStore::RaiseOrdinal(const std::string& app, int64_t next) {
  ASSIGN_OR_RETURN(SqliteStatement * stmt,
                   db_->Cached("INSERT INTO ordinals (app, next) VALUES (?1, ?2) "
                               "ON CONFLICT (app) DO UPDATE SET next = max(next, excluded.next)"));
  return stmt->Bind(1, app).Bind(2, next).Run();
}

absl::Status SqliteStateStore::WriteAssignmentRow(const v1::Container& container) {
  ASSIGN_OR_RETURN(SqliteStatement * stmt,
                   db_->Cached("INSERT OR REPLACE INTO assignments (instance, app, node, record) "
                               "VALUES (?1, ?2, ?3, ?4)"));
  stmt->Bind(1, container.instance()).Bind(2, container.app()).Bind(3, container.node());
  return stmt->BindBlob(4, container.SerializeAsString()).Run();
}

absl::Status SqliteStateStore::WriteAssignment(const v1::Container& container) {
  RETURN_IF_ERROR(WriteAssignmentRow(container));
  std::optional<int64_t> ordinal =
      store_internal::InstanceOrdinal(container.app(), container.instance());
  if (!ordinal) return absl::OkStatus();
  return RaiseOrdinal(container.app(), *ordinal + 1);
}

absl::Status SqliteStateStore::ApplyAssignmentChanges(const AssignmentChanges& changes) {
  RETURN_IF_ERROR(store_internal::CheckAssignments(changes.upserts));
  if (changes.empty()) return absl::OkStatus();
  // One counter write per app, for the highest ordinal among its upserts.
  std::map<std::string, int64_t> next;
  for (const v1::Container& c : changes.upserts) {
    if (std::optional<int64_t> ordinal = store_internal::InstanceOrdinal(c.app(), c.instance())) {
      int64_t& n = next[c.app()];
      n = std::max(n, *ordinal + 1);
    }
  }
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    for (const v1::Container& c : changes.upserts) RETURN_IF_ERROR(WriteAssignmentRow(c));
    for (const auto& [app, n] : next) RETURN_IF_ERROR(RaiseOrdinal(app, n));
    ASSIGN_OR_RETURN(SqliteStatement * remove,
                     db_->Cached("DELETE FROM assignments WHERE instance = ?1"));
    for (const std::string& instance : changes.removals) {
      remove->Reset();
      RETURN_IF_ERROR(remove->Bind(1, instance).Run());
    }
    return absl::OkStatus();
  });
}

absl::Status SqliteStateStore::ReplaceAssignments(const std::vector<v1::Container>& containers) {
  RETURN_IF_ERROR(store_internal::CheckAssignments(containers));
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(db_->Exec("DELETE FROM assignments"));
    for (const v1::Container& container : containers) {
      RETURN_IF_ERROR(WriteAssignment(container));
    }
    return absl::OkStatus();
  });
}

absl::Status SqliteStateStore::UpsertAssignment(const v1::Container& container) {
  RETURN_IF_ERROR(store_internal::CheckAssignments({container}));
  absl::MutexLock lock(&mu_);
  return InTransaction([&] { return WriteAssignment(container); });
}

absl::Status SqliteStateStore::RemoveAssignment(std::string_view instance) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("DELETE FROM assignments WHERE instance = ?1"));
  return stmt.Bind(1, instance).Run();
}

absl::StatusOr<std::vector<v1::Container>> SqliteStateStore::ListAssignments() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT record FROM assignments ORDER BY instance"));
  std::vector<v1::Container> containers;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    v1::Container container;
    if (!container.ParseFromString(stmt.ColumnText(0))) {
      return absl::DataLossError("state database holds an assignment that does not parse");
    }
    containers.push_back(std::move(container));
  }
  return containers;
}

absl::StatusOr<std::map<std::string, int64_t>> SqliteStateStore::GetNextOrdinals() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare("SELECT app, next FROM ordinals"));
  std::map<std::string, int64_t> next;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    next[stmt.ColumnText(0)] = stmt.ColumnInt(1);
  }
  return next;
}

absl::Status SqliteStateStore::SetNextOrdinals(const std::map<std::string, int64_t>& next) {
  RETURN_IF_ERROR(store_internal::CheckNextOrdinals(next));
  absl::MutexLock lock(&mu_);
  return InTransaction([&]() -> absl::Status {
    for (const auto& [app, value] : next) RETURN_IF_ERROR(RaiseOrdinal(app, value));
    return absl::OkStatus();
  });
}

}  // namespace microscale
