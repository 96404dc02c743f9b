#include "controller/demand/redis_stream_source.h"

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace microscale {
namespace {

absl::Status Refused(std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("redis-stream: ", ToAbsl(why)));
}

std::optional<std::string_view> Text(const redisReply& reply) {
  if ((reply.type != REDIS_REPLY_STRING && reply.type != REDIS_REPLY_STATUS) ||
      reply.str == nullptr) {
    return std::nullopt;
  }
  return std::string_view(reply.str, static_cast<size_t>(reply.len));
}

// A field of one group's description (alternating names and values), or nullptr.
const redisReply* Field(const redisReply& group, std::string_view name) {
  for (size_t i = 0; i + 1 < group.elements; i += 2) {
    const redisReply* key = group.element[i];
    if (key == nullptr) continue;
    if (std::optional<std::string_view> text = Text(*key); text && *text == name) {
      return group.element[i + 1];
    }
  }
  return nullptr;
}

// A count that must be an integer >= 0 when present.
absl::StatusOr<std::optional<int64_t>> Count(const redisReply* value, std::string_view name,
                                             bool required) {
  if (value == nullptr || value->type == REDIS_REPLY_NIL) {
    if (required) return Refused(absl::StrCat("XINFO GROUPS gave no ", ToAbsl(name)));
    return std::optional<int64_t>();
  }
  if (value->type != REDIS_REPLY_INTEGER || value->integer < 0) {
    return Refused(absl::StrCat("XINFO GROUPS gave a ", ToAbsl(name), " that is not a count"));
  }
  return std::optional<int64_t>(value->integer);
}

}  // namespace

absl::StatusOr<StreamGroupState> StreamGroupFromReply(const redisReply& reply, std::string_view key,
                                                      std::string_view group) {
  if (std::string_view error = RedisErrorText(reply); !error.empty()) {
    if (error.find("no such key") != std::string_view::npos) {
      return Refused(absl::StrCat("stream \"", ToAbsl(key), "\" not found (", ToAbsl(error), ")"));
    }
    return Refused(absl::StrCat("XINFO GROUPS ", ToAbsl(key), " failed: ", ToAbsl(error)));
  }
  if (reply.type != REDIS_REPLY_ARRAY) {
    return Refused(absl::StrCat("XINFO GROUPS answered a reply of type ", reply.type));
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < reply.elements; ++i) {
    const redisReply* description = reply.element[i];
    if (description == nullptr || description->type != REDIS_REPLY_ARRAY) {
      return Refused("XINFO GROUPS gave a group that is not a list of fields");
    }
    const redisReply* name_reply = Field(*description, "name");
    std::optional<std::string_view> name = name_reply ? Text(*name_reply) : std::nullopt;
    if (!name) return Refused("XINFO GROUPS gave a group with no name");
    if (*name != group) {
      if (names.size() < 10) names.emplace_back(*name);
      continue;
    }
    StreamGroupState state;
    absl::StatusOr<std::optional<int64_t>> pending =
        Count(Field(*description, "pending"), "pending", true);
    if (!pending.ok()) return pending.status();
    state.pending = **pending;
    absl::StatusOr<std::optional<int64_t>> lag = Count(Field(*description, "lag"), "lag", false);
    if (!lag.ok()) return lag.status();
    state.lag = *lag;
    const redisReply* last = Field(*description, "last-delivered-id");
    std::optional<std::string_view> last_id = last ? Text(*last) : std::nullopt;
    if (!last_id || last_id->empty()) return Refused("XINFO GROUPS gave no last-delivered-id");
    state.last_delivered_id = std::string(*last_id);
    return state;
  }
  return Refused(absl::StrCat("group \"", ToAbsl(group), "\" not found on stream \"", ToAbsl(key),
                              "\" (groups: ", names.empty() ? "none" : absl::StrJoin(names, ", "),
                              ")"));
}

absl::StatusOr<std::optional<int64_t>> EntriesAddedFromReply(const redisReply& reply) {
  if (std::string_view error = RedisErrorText(reply); !error.empty()) {
    return Refused(absl::StrCat("XINFO STREAM failed: ", ToAbsl(error)));
  }
  if (reply.type != REDIS_REPLY_ARRAY) {
    return Refused(absl::StrCat("XINFO STREAM answered a reply of type ", reply.type));
  }
  const redisReply* added = Field(reply, "entries-added");
  if (added == nullptr) return std::optional<int64_t>();
  if (added->type != REDIS_REPLY_INTEGER || added->integer < 0) {
    return Refused("XINFO STREAM gave an entries-added that is not a count");
  }
  return std::optional<int64_t>(added->integer);
}

absl::StatusOr<int64_t> EntriesAfter(const redisReply& reply, std::string_view last_id) {
  if (std::string_view error = RedisErrorText(reply); !error.empty()) {
    return Refused(absl::StrCat("XRANGE failed: ", ToAbsl(error)));
  }
  if (reply.type != REDIS_REPLY_ARRAY) {
    return Refused(absl::StrCat("XRANGE answered a reply of type ", reply.type));
  }
  int64_t after = 0;
  for (size_t i = 0; i < reply.elements; ++i) {
    const redisReply* entry = reply.element[i];
    const redisReply* id =
        entry != nullptr && entry->type == REDIS_REPLY_ARRAY && entry->elements >= 1
            ? entry->element[0]
            : nullptr;
    std::optional<std::string_view> text = id ? Text(*id) : std::nullopt;
    if (!text) return Refused("XRANGE gave an entry with no id");
    if (*text != last_id) ++after;
  }
  return after;
}

absl::StatusOr<std::unique_ptr<RedisStreamDemandSource>> RedisStreamDemandSource::Create(
    const RedisStreamDemand& spec, absl::Duration timeout, bool count_arrivals) {
  absl::StatusOr<RedisAddress> address =
      ParseRedisAddress(spec.address, 6379, "demand.redisStream.address");
  if (!address.ok()) return address.status();
  if (spec.key.empty()) return absl::InvalidArgumentError("demand.redisStream.key is empty");
  if (spec.group.empty()) return absl::InvalidArgumentError("demand.redisStream.group is empty");
  if (spec.database < 0) {
    return absl::InvalidArgumentError("demand.redisStream.database is negative");
  }
  return std::unique_ptr<RedisStreamDemandSource>(
      new RedisStreamDemandSource(spec, *std::move(address), timeout, count_arrivals));
}

RedisStreamDemandSource::RedisStreamDemandSource(const RedisStreamDemand& spec,
                                                 RedisAddress address, absl::Duration timeout,
                                                 bool count_arrivals)
    : spec_(spec),
      connection_("redis-stream", std::move(address), spec.password, spec.database, timeout),
      count_arrivals_(count_arrivals) {}

absl::StatusOr<double> RedisStreamDemandSource::Read(absl::Time) {
  arrivals_total_.reset();
  absl::StatusOr<RedisReply> groups = connection_.Run({"XINFO", "GROUPS", spec_.key});
  if (!groups.ok()) return groups.status();
  absl::StatusOr<StreamGroupState> state = StreamGroupFromReply(**groups, spec_.key, spec_.group);
  if (!state.ok()) return state.status();
  // Added as doubles: two counts near INT64_MAX from a broken server must not overflow.
  const auto pending = static_cast<double>(state->pending);
  if (count_arrivals_) {
    // Read after the group: an entry added in between counts as arrived and not yet in the
    // backlog (drained, to queue mode) until the next read, never the other way round.
    absl::StatusOr<RedisReply> stream = connection_.Run({"XINFO", "STREAM", spec_.key});
    if (!stream.ok()) return stream.status();
    absl::StatusOr<std::optional<int64_t>> added = EntriesAddedFromReply(**stream);
    if (!added.ok()) return added.status();
    if (added->has_value()) arrivals_total_ = static_cast<double>(**added);
  }
  if (state->lag.has_value()) return static_cast<double>(*state->lag) + pending;
  const std::string count = std::to_string(kMaxCountedStreamEntries + 1);
  absl::StatusOr<RedisReply> range =
      connection_.Run({"XRANGE", spec_.key, state->last_delivered_id, "+", "COUNT", count});
  if (!range.ok()) return range.status();
  absl::StatusOr<int64_t> after = EntriesAfter(**range, state->last_delivered_id);
  if (!after.ok()) return after.status();
  return static_cast<double>(std::min(*after, kMaxCountedStreamEntries)) + pending;
}

}  // namespace microscale
