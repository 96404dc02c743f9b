#include "controller/demand/redis_list_source.h"

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {

absl::StatusOr<double> LlenReplyValue(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    // A list length is never negative; a server that says so is not Redis answering LLEN.
    if (reply.integer < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("redis-list: LLEN answered a negative length ", reply.integer));
    }
    return static_cast<double>(reply.integer);
  }
  if (reply.type == REDIS_REPLY_ERROR) {
    return absl::FailedPreconditionError(
        absl::StrCat("redis-list: LLEN failed: ", ToAbsl(RedisErrorText(reply))));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("redis-list: LLEN answered an unexpected reply of type ", reply.type));
}

absl::StatusOr<std::unique_ptr<RedisListDemandSource>> RedisListDemandSource::Create(
    const RedisListDemand& spec, absl::Duration timeout) {
  absl::StatusOr<RedisAddress> address =
      ParseRedisAddress(spec.address, 6379, "demand.redisList.address");
  if (!address.ok()) return address.status();
  if (spec.key.empty()) return absl::InvalidArgumentError("demand.redisList.key is empty");
  if (spec.database < 0) return absl::InvalidArgumentError("demand.redisList.database is negative");
  return std::unique_ptr<RedisListDemandSource>(
      new RedisListDemandSource(spec, *std::move(address), timeout));
}

RedisListDemandSource::RedisListDemandSource(const RedisListDemand& spec, RedisAddress address,
                                             absl::Duration timeout)
    : spec_(spec),
      connection_("redis-list", std::move(address), spec.password, spec.database, timeout) {}

absl::StatusOr<double> RedisListDemandSource::Read(absl::Time) {
  absl::StatusOr<RedisReply> reply = connection_.Run({"LLEN", spec_.key});
  if (!reply.ok()) return reply.status();
  return LlenReplyValue(**reply);
}

}  // namespace microscale
