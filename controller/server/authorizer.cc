#include "controller/server/authorizer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/strings.h"
#include "controller/server/api_token.h"

namespace microscale {
namespace {

struct MethodAccess {
  std::string_view method;
  Access access;
};

// Every ControlPlane method; a method missing here is refused to every token.
constexpr MethodAccess kMethods[] = {
    {"ApplyApps", Access::kAdmin},      {"DeleteApp", Access::kAdmin},
    {"SetDemand", Access::kAdmin},      {"Cordon", Access::kAdmin},
    {"GetApps", Access::kRead},         {"DescribeApp", Access::kRead},
    {"GetNodes", Access::kRead},        {"GetContainers", Access::kRead},
    {"WatchEvents", Access::kRead},     {"ListEndpoints", Access::kRead},
    {"Version", Access::kRead},         {"DeleteNode", Access::kAdmin},
    {"ListControllers", Access::kRead},
};

constexpr std::string_view kHowToPass =
    "pass --token or set MICROSCALE_TOKEN (an operator makes one with `microscale-controller "
    "token create`)";

// The secret of "Bearer <secret>" (the scheme in any case), or nullopt.
std::optional<std::string_view> BearerSecret(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  std::string scheme(header.substr(0, kScheme.size()));
  if (absl::AsciiStrToLower(scheme) != kScheme) return std::nullopt;
  std::string_view secret = header.substr(kScheme.size());
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
  if (secret.empty()) return std::nullopt;
  return secret;
}

}  // namespace

std::optional<Access> RequiredAccess(std::string_view method) {
  for (const MethodAccess& entry : kMethods) {
    if (entry.method == method) return entry.access;
  }
  return std::nullopt;
}

bool RoleGrants(std::string_view role, Access access) {
  if (role == "admin") return true;
  return role == "read" && access == Access::kRead;
}

Authorizer::Authorizer(StateStore& store, Clock& clock, AuthorizerOptions options)
    : store_(store), clock_(clock), options_(options) {}

absl::Status Authorizer::Reload(absl::Time now) {
  absl::StatusOr<std::vector<StoredToken>> stored = store_.ListTokens();
  if (!stored.ok()) {
    // Logged once per outage; tried again after `refresh`, not on every call.
    if (!reload_failing_) {
      LogWarn("cannot read the token table; keeping the tokens read before",
              {{"error", stored.status()}});
    }
    reload_failing_ = true;
    if (loaded_) loaded_at_ = now;
    return stored.status();
  }
  if (reload_failing_) LogInfo("the token table is read again");
  reload_failing_ = false;
  std::vector<Known> tokens;
  tokens.reserve(stored->size());
  for (StoredToken& token : *stored) {
    tokens.push_back(Known{std::move(token.name), std::move(token.role), std::move(token.hash)});
  }
  tokens_ = std::move(tokens);
  loaded_ = true;
  loaded_at_ = now;
  return absl::OkStatus();
}

const Authorizer::Known* Authorizer::Find(std::string_view hash) const {
  const Known* found = nullptr;
  for (const Known& token : tokens_) {
    if (ConstantTimeEquals(token.hash, hash)) found = &token;
  }
  return found;
}

absl::Status Authorizer::Check(std::optional<std::string_view> authorization,
                               std::string_view method) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  if (now - loaded_at_ >= options_.refresh) {
    absl::Status read = Reload(now);
    if (!read.ok() && !loaded_) {
      return absl::UnavailableError(
          absl::StrCat("cannot read the controller's token table: ", read.message()));
    }
  }
  if (tokens_.empty()) return absl::OkStatus();
  std::optional<std::string_view> secret;
  if (authorization) secret = BearerSecret(*authorization);
  if (!secret) {
    return absl::UnauthenticatedError(
        absl::StrCat("this controller requires a token: ", ToAbsl(kHowToPass)));
  }
  const std::string hash = HashTokenSecret(*secret);
  const Known* token = Find(hash);
  if (token == nullptr && now - loaded_at_ >= options_.min_reload_gap) {
    Reload(now).IgnoreError();
    if (tokens_.empty()) return absl::OkStatus();
    token = Find(hash);
  }
  if (token == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the token is not known to this controller (revoked or mistyped): ", ToAbsl(kHowToPass)));
  }
  std::optional<Access> access = RequiredAccess(method);
  if (!access || !RoleGrants(token->role, *access)) {
    return absl::PermissionDeniedError(absl::StrCat("token \"", token->name, "\" has role ",
                                                    token->role, "; ", ToAbsl(method),
                                                    " needs a token with role admin"));
  }
  return absl::OkStatus();
}

}  // namespace microscale
