// Rules every StateStore implementation shares, so the SQLite and in-memory stores agree
// on what a valid write is. Internal to controller/store. Thread-safety: pure functions.
#ifndef MICROSCALE_CONTROLLER_STORE_STORE_RULES_H_
#define MICROSCALE_CONTROLLER_STORE_STORE_RULES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "microscale/v1/types.pb.h"

namespace microscale::store_internal {

// InvalidArgument naming the app if a name appears twice in one apply.
absl::Status CheckNoDuplicateApps(const std::vector<v1::AppSpec>& apps);

// InvalidArgument if an instance id is empty or appears twice.
absl::Status CheckAssignments(const std::vector<v1::Container>& containers);

// InvalidArgument naming the app if a next ordinal is negative.
absl::Status CheckNextOrdinals(const std::map<std::string, int64_t>& next);

// The ordinal n of an instance id `<app>-<n>`, or nullopt if the id has another shape.
std::optional<int64_t> InstanceOrdinal(std::string_view app, std::string_view instance);

// InvalidArgument naming the problem if a token's name is not a DNS label (at most 63
// of [a-z0-9-], alphanumeric at both ends), its role is not read/admin, or its hash is not
// 64 lowercase hex digits.
absl::Status CheckToken(std::string_view name, std::string_view role, std::string_view hash);

// NotFound for the app `name`.
absl::Status AppNotFound(std::string_view name);

// AlreadyExists / NotFound for the token `name`.
absl::Status TokenExists(std::string_view name);
absl::Status TokenNotFound(std::string_view name);

// Whether two specs say the same thing (map order and encoding do not matter).
bool SameSpec(const v1::AppSpec& a, const v1::AppSpec& b);
// Whether two specs ask for the same demand. An apply that changes an app's demand spec
// forgets the app's static demand value (`demand set`): the manifest's value holds again.
bool SameDemand(const v1::AppSpec& a, const v1::AppSpec& b);

}  // namespace microscale::store_internal

#endif  // MICROSCALE_CONTROLLER_STORE_STORE_RULES_H_
