// RedisListDemandSource: demand is the length of a Redis list (LLEN), the usual shape of
// a work queue.
//
// The connection is made at the first read and reused; after a connection error it is
// dropped and the next read connects again (a read on a reused connection that fails
// retries once on a fresh one, so a restarted Redis costs no failed read). AUTH and SELECT
// run on every new connection when a password or a database number is given. A key that
// holds something other than a list is a failed read.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_REDIS_LIST_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_REDIS_LIST_SOURCE_H_

#include <memory>
#include <string>
#include <string_view>

#include "controller/demand/demand_source.h"

struct redisContext;
struct redisReply;

namespace microscale {

struct RedisAddress {
  std::string host;
  int port = 0;
  bool operator==(const RedisAddress&) const = default;
};

// Splits "host:port" or "host" (port `default_port`); "[::1]:6379" for IPv6.
absl::StatusOr<RedisAddress> ParseRedisAddress(std::string_view address, int default_port);

// The demand in the reply to LLEN: an integer, or the error Redis gave.
absl::StatusOr<double> LlenReplyValue(const redisReply& reply);

class RedisListDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the address or the key cannot be used.
  static absl::StatusOr<std::unique_ptr<RedisListDemandSource>> Create(const RedisListDemand& spec,
                                                                       absl::Duration timeout);
  ~RedisListDemandSource() override;

  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  RedisListDemandSource(const RedisListDemand& spec, RedisAddress address, absl::Duration timeout);

  absl::Status Connect();
  // Runs a command on the current connection; Unavailable (and the connection dropped)
  // when the connection fails.
  absl::StatusOr<double> Llen();
  absl::Status Command(std::initializer_list<std::string_view> args);
  void Disconnect();

  RedisListDemand spec_;
  RedisAddress address_;
  absl::Duration timeout_;
  redisContext* context_ = nullptr;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_REDIS_LIST_SOURCE_H_
