#include "node-agent/agent/command_log.h"

#include <utility>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace microscale {

void CommandLog::Add(ReceivedCommand command) {
  absl::MutexLock lock(&mu_);
  commands_.push_back(std::move(command));
  while (commands_.size() > capacity_) commands_.pop_front();
}

std::vector<ReceivedCommand> CommandLog::Recent() const {
  absl::MutexLock lock(&mu_);
  return {commands_.begin(), commands_.end()};
}

std::string CommandLog::Json() const {
  nlohmann::json commands = nlohmann::json::array();
  for (const ReceivedCommand& c : Recent()) {
    commands.push_back(
        {{"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(c.unix_ms),
                                   absl::UTCTimeZone())},
         {"unixMs", c.unix_ms},
         {"controller", c.controller},
         {"leaderTerm", c.leader_term},
         {"type", c.type},
         {"instance", c.instance},
         {"commandId", c.command_id}});
  }
  return nlohmann::json{{"commands", std::move(commands)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace microscale
