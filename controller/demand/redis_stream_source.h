// RedisStreamDemandSource: demand is a Redis stream consumer group's backlog: its lag (the
// entries not yet delivered to the group) plus its pending entries (delivered to a
// consumer, not yet acknowledged), from XINFO GROUPS.
//
// Servers before Redis 7 report no lag, and Redis 7 reports none while it cannot know it
// (after XDEL or XTRIM of entries the group has not read): the entries after the group's
// last-delivered-id are then counted with XRANGE, at most kMaxCountedStreamEntries of them.
// In queue mode the source also reads the stream's entries-added (XINFO STREAM, Redis 7):
// every entry ever added comes to the group, so it is the arrivals counter of queue mode
// (ArrivalsTotal); unset before Redis 7.
// The connection (RedisConnection) is shared code with redis-list.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_REDIS_STREAM_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_REDIS_STREAM_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controller/demand/demand_source.h"
#include "controller/demand/redis_connection.h"

namespace microscale {

// Entries counted one by one when the server gives no lag; a longer backlog reads as this.
inline constexpr int64_t kMaxCountedStreamEntries = 100'000;

struct StreamGroupState {
  int64_t pending = 0;
  std::optional<int64_t> lag;  // unset when the server does not report it
  std::string last_delivered_id;
};

// The group named `group` in the reply to XINFO GROUPS `key`. FailedPrecondition with the
// reason when the stream or the group does not exist, or the reply is not one Redis gives.
absl::StatusOr<StreamGroupState> StreamGroupFromReply(const redisReply& reply, std::string_view key,
                                                      std::string_view group);

// The entries-added of the reply to XINFO STREAM, or unset when the server does not report
// it (before Redis 7). FailedPrecondition when it is there and not a count.
absl::StatusOr<std::optional<int64_t>> EntriesAddedFromReply(const redisReply& reply);

// How many entries of the reply to XRANGE key `last_id` + come after `last_id` (the
// range starts at it, inclusive).
absl::StatusOr<int64_t> EntriesAfter(const redisReply& reply, std::string_view last_id);

class RedisStreamDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the address, the key or the group cannot be used. `count_arrivals`:
  // read the stream's entries-added too (queue mode).
  static absl::StatusOr<std::unique_ptr<RedisStreamDemandSource>> Create(
      const RedisStreamDemand& spec, absl::Duration timeout, bool count_arrivals = false);

  absl::StatusOr<double> Read(absl::Time now) override;
  std::optional<double> ArrivalsTotal() const override { return arrivals_total_; }

 private:
  RedisStreamDemandSource(const RedisStreamDemand& spec, RedisAddress address,
                          absl::Duration timeout, bool count_arrivals);

  RedisStreamDemand spec_;
  RedisConnection connection_;
  const bool count_arrivals_;
  std::optional<double> arrivals_total_;  // as of the last read that succeeded
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_REDIS_STREAM_SOURCE_H_
