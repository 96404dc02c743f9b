// StateStore: the controller's durable state, so a restarted controller resumes where it
// stopped instead of stopping or restarting containers.
//
// It holds the applied apps (each with its creation time and a generation that grows on
// every change), the static demand values set with `microscalectl demand set`, cordon
// marks per node, the instance assignments (which container of which app runs on which
// node), and a per-app counter of instance ordinals. Instance ids are `<app>-<ordinal>`;
// the counters survive the deletion of an app and never go back, so a recreated app never
// reuses an id while containers of its previous life still drain. It also holds the API
// tokens of microscalectl: a name, a role and the SHA-256 of the secret (never the secret).
//
// Every write is one transaction: it is applied entirely or not at all.
// Thread-safety: every method is safe to call concurrently from any thread.
#ifndef MICROSCALE_CONTROLLER_STORE_STATE_STORE_H_
#define MICROSCALE_CONTROLLER_STORE_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// What ApplyApps did to one app; the names match ApplyAppsResponse.Change.action.
enum class ApplyAction { kCreated, kConfigured, kUnchanged };
const char* ApplyActionName(ApplyAction action);  // "created" | "configured" | "unchanged"

struct AppChange {
  std::string name;
  ApplyAction action = ApplyAction::kUnchanged;
  int64_t generation = 0;  // the app's generation after the apply
  bool operator==(const AppChange&) const = default;
};

struct StoredApp {
  v1::AppSpec spec;
  absl::Time created;      // when the app was first applied (kept across updates)
  int64_t generation = 0;  // 1 when created, +1 on every change of the spec
};

// An API token. Only the SHA-256 of its secret is stored.
struct StoredToken {
  std::string name;  // a DNS label, unique
  std::string role;  // "read" | "admin"
  std::string hash;  // 64 lowercase hex digits: SHA-256 of the secret
  absl::Time created;
  bool operator==(const StoredToken&) const = default;
};

// What changed in the assignments since the last write: instances added or changed (the
// whole record), and instances gone.
struct AssignmentChanges {
  std::vector<v1::Container> upserts;
  std::vector<std::string> removals;
  bool empty() const { return upserts.empty() && removals.empty(); }
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Creates or updates every app of `apps` in one transaction and returns one change per
  // app, in the order given. An app whose spec equals the stored one is left untouched
  // (kUnchanged). A changed demand spec forgets the app's static demand value (the
  // manifest's value holds again), in the same transaction. On any error (an empty name, a
  // name given twice, a failed write) nothing is changed and the error is returned
  // (InvalidArgument for bad input).
  virtual absl::StatusOr<std::vector<AppChange>> ApplyApps(
      const std::vector<v1::AppSpec>& apps) = 0;

  // Forgets the app and its static demand value. Its assignments and its ordinal counter
  // stay: containers drain through the assignments. NotFound if there is no such app.
  virtual absl::Status DeleteApp(std::string_view name) = 0;

  // All apps, sorted by name.
  virtual absl::StatusOr<std::vector<StoredApp>> ListApps() = 0;
  // NotFound if there is no such app.
  virtual absl::StatusOr<StoredApp> GetApp(std::string_view name) = 0;

  // Records the static demand value of an existing app (NotFound otherwise). Whether the
  // app's source is static is the caller's rule, not the store's.
  virtual absl::Status SetStaticDemand(std::string_view app, double value) = 0;
  // Static demand values by app name.
  virtual absl::StatusOr<std::map<std::string, double>> GetStaticDemands() = 0;

  // Marks a node cordoned (true) or not (false), and draining (its containers move away;
  // only with cordoned); any node name is accepted, so a node may be cordoned before its
  // agent connects. Idempotent.
  virtual absl::Status SetCordon(std::string_view node, bool cordoned, bool draining = false) = 0;
  virtual absl::StatusOr<std::set<std::string>> ListCordons() = 0;
  // The cordoned nodes that are also draining.
  virtual absl::StatusOr<std::set<std::string>> ListDraining() = 0;

  // Replaces every assignment by `containers` in one transaction. Instance ids must be
  // non-empty and unique (InvalidArgument otherwise, nothing changed). Storing an instance
  // `<app>-<n>` raises that app's ordinal counter to at least n + 1.
  virtual absl::Status ReplaceAssignments(const std::vector<v1::Container>& containers) = 0;
  // Applies `changes` in one transaction: the upserts (instance ids non-empty and unique,
  // raising ordinal counters as above), then the removals (an absent instance is not an
  // error). InvalidArgument for a bad upsert, and nothing changed.
  virtual absl::Status ApplyAssignmentChanges(const AssignmentChanges& changes) = 0;
  // Inserts or replaces the assignment of `container.instance()`; raises the counter as above.
  virtual absl::Status UpsertAssignment(const v1::Container& container) = 0;
  // Removes one assignment; removing an absent instance is not an error.
  virtual absl::Status RemoveAssignment(std::string_view instance) = 0;
  // All assignments, sorted by instance id.
  virtual absl::StatusOr<std::vector<v1::Container>> ListAssignments() = 0;

  // The next ordinal to use for each app that ever had one (absent apps start at 0).
  virtual absl::StatusOr<std::map<std::string, int64_t>> GetNextOrdinals() = 0;
  // Raises the counters in one transaction. A value below the stored one leaves the stored
  // one: counters never go back. A negative value is InvalidArgument.
  virtual absl::Status SetNextOrdinals(const std::map<std::string, int64_t>& next) = 0;

  // Records a token, created now. InvalidArgument for a name that is not a DNS label, a role
  // other than read/admin or a hash that is not 64 lowercase hex digits; AlreadyExists if
  // a token of that name exists.
  virtual absl::StatusOr<StoredToken> CreateToken(std::string_view name, std::string_view role,
                                                  std::string_view hash) = 0;
  // Forgets a token. NotFound if there is no token of that name.
  virtual absl::Status DeleteToken(std::string_view name) = 0;
  // All tokens, sorted by name.
  virtual absl::StatusOr<std::vector<StoredToken>> ListTokens() = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_STATE_STORE_H_
