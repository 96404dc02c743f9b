// API tokens of microscalectl: how a secret is made and how it is recognised.
//
// A secret is "mst_" followed by the hex of 32 random bytes from the system's
// cryptographic generator. The controller stores only its SHA-256 (lowercase hex), so a
// copy of the state database does not reveal a usable token.
// Thread-safety: pure functions, safe from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_API_TOKEN_H_
#define MICROSCALE_CONTROLLER_SERVER_API_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace microscale {

inline constexpr std::string_view kTokenPrefix = "mst_";

// A new secret; Internal if the random generator fails.
absl::StatusOr<std::string> NewTokenSecret();

// The lowercase hex SHA-256 of `secret` (64 characters).
std::string HashTokenSecret(std::string_view secret);

// Whether `a` equals `b`, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_API_TOKEN_H_
