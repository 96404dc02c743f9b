// RedisConnection: one connection to a Redis server, shared by the Redis demand sources
// (redis-list, redis-stream).
//
// The connection is made at the first command and reused; after a connection error it is
// dropped and the next command connects again (a command on a reused connection that fails
// is retried once on a fresh one, so a restarted Redis costs no failed read). AUTH and
// SELECT run on every new connection when a password or a database number is given.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_REDIS_CONNECTION_H_
#define MICROSCALE_CONTROLLER_DEMAND_REDIS_CONNECTION_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct redisContext;
struct redisReply;

namespace microscale {

struct RedisAddress {
  std::string host;
  int port = 0;
  bool operator==(const RedisAddress&) const = default;
};

// Splits "host:port" or "host" (port `default_port`); "[::1]:6379" for IPv6. Errors name
// `field` (for example "demand.redisList.address").
absl::StatusOr<RedisAddress> ParseRedisAddress(std::string_view address, int default_port,
                                               std::string_view field);

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

// The text of an error reply, or "" for any other reply.
std::string_view RedisErrorText(const redisReply& reply);

class RedisConnection {
 public:
  // `source` names the demand source in messages ("redis-list").
  RedisConnection(std::string source, RedisAddress address, std::string password, int32_t database,
                  absl::Duration timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. Unavailable when the server cannot be reached; FailedPrecondition
  // when AUTH or SELECT is refused. An error reply to the command itself is returned as a
  // reply: what it means is the caller's to say.
  absl::StatusOr<RedisReply> Run(std::initializer_list<std::string_view> args);

 private:
  absl::Status Connect();
  absl::StatusOr<RedisReply> RunOnce(const std::vector<std::string_view>& args);
  // AUTH or SELECT on a new connection: an error reply fails the connection.
  absl::Status Setup(const std::vector<std::string_view>& args);
  void Disconnect();

  std::string source_;
  RedisAddress address_;
  std::string password_;
  int32_t database_;
  absl::Duration timeout_;
  redisContext* context_ = nullptr;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_REDIS_CONNECTION_H_
