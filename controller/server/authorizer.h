// Authorizer: decides whether a ControlPlane call may run, from its bearer token.
//
// While the state store holds no token the API is open (the bootstrap mode of a fresh
// controller). Once one exists, every call must carry the metadata
// `authorization: Bearer <secret>` of a stored token whose role grants the method:
// `read` grants the read-only methods, `admin` every method. The token table is cached
// and read again when it is older than `refresh`, and at once (at most every
// `min_reload_gap`) when a call presents a token the cache does not know, so a token
// created or revoked by `microscale-controller token` on the same data directory takes
// effect within `refresh` without a restart. Secrets are hashed and compared in constant
// time. Time comes from the injected Clock.
// Thread-safety: Check is safe to call concurrently (one mutex around the cache).
#ifndef MICROSCALE_CONTROLLER_SERVER_AUTHORIZER_H_
#define MICROSCALE_CONTROLLER_SERVER_AUTHORIZER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/store/state_store.h"

namespace microscale {

enum class Access { kRead, kAdmin };

// The access a ControlPlane method needs ("ApplyApps" -> kAdmin, "GetApps" -> kRead), or
// nullopt for a name that is not a ControlPlane method.
std::optional<Access> RequiredAccess(std::string_view method);
// Whether a token of `role` ("read" | "admin") may make calls that need `access`.
bool RoleGrants(std::string_view role, Access access);

struct AuthorizerOptions {
  absl::Duration refresh = absl::Seconds(1);
  absl::Duration min_reload_gap = absl::Milliseconds(200);
};

class Authorizer {
 public:
  // `store` and `clock` must outlive the authorizer.
  Authorizer(StateStore& store, Clock& clock, AuthorizerOptions options = {});

  // OK if the call to `method` may run. `authorization` is the value of the call's
  // `authorization` metadata (nullopt when absent). Unauthenticated when a token is
  // needed and missing or unknown; PermissionDenied (naming the token and the role it
  // needs) when its role does not grant the method; Unavailable when the token table was
  // never readable.
  absl::Status Check(std::optional<std::string_view> authorization, std::string_view method);

 private:
  struct Known {
    std::string name;
    std::string role;
    std::string hash;
  };

  // Reads the token table into the cache; on failure keeps the previous cache.
  absl::Status Reload(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The cached token whose hash is `hash`, compared in constant time against all of them.
  const Known* Find(std::string_view hash) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  StateStore& store_;
  Clock& clock_;
  const AuthorizerOptions options_;
  absl::Mutex mu_;
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  bool reload_failing_ ABSL_GUARDED_BY(mu_) = false;  // the last read failed
  absl::Time loaded_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::vector<Known> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_AUTHORIZER_H_
