// RedisListDemandSource: demand is the length of a Redis list (LLEN), the usual shape of
// a work queue. The connection (RedisConnection) is made at the first read and reused. A
// key that holds something other than a list is a failed read.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_REDIS_LIST_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_REDIS_LIST_SOURCE_H_

#include <memory>

#include "controller/demand/demand_source.h"
#include "controller/demand/redis_connection.h"

namespace microscale {

// The demand in the reply to LLEN: an integer, or the error Redis gave.
absl::StatusOr<double> LlenReplyValue(const redisReply& reply);

class RedisListDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the address or the key cannot be used.
  static absl::StatusOr<std::unique_ptr<RedisListDemandSource>> Create(const RedisListDemand& spec,
                                                                       absl::Duration timeout);

  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  RedisListDemandSource(const RedisListDemand& spec, RedisAddress address, absl::Duration timeout);

  RedisListDemand spec_;
  RedisConnection connection_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_REDIS_LIST_SOURCE_H_
