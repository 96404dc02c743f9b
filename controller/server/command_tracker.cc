#include "controller/server/command_tracker.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace microscale {
namespace {

// The number of an id that Issue could have made ("c" and a number written without leading
// zeros), or nothing: an agent's result may carry any text.
std::optional<uint64_t> IdNumber(std::string_view id) {
  if (id.size() < 2 || id.size() > 20 || id[0] != 'c' || (id[1] == '0' && id.size() > 2)) {
    return std::nullopt;
  }
  uint64_t number = 0;
  for (char ch : id.substr(1)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (number > (UINT64_MAX - digit) / 10) return std::nullopt;
    number = number * 10 + digit;
  }
  return number;
}

}  // namespace

const char* CommandTypeName(CommandType type) {
  switch (type) {
    case CommandType::kStart:
      return "start";
    case CommandType::kStop:
      return "stop";
    case CommandType::kPause:
      return "pause";
    case CommandType::kResume:
      return "resume";
  }
  return "unknown";
}

std::string CommandTracker::Issue(const std::string& node, const std::string& instance,
                                  const std::string& app, CommandType type, absl::Time now,
                                  CommandDelivery delivery) {
  absl::MutexLock lock(&mu_);
  const uint64_t number = next_id_++;
  std::string id = absl::StrCat("c", number);
  pending_[number] = InFlightCommand{id,
                                     node,
                                     instance,
                                     app,
                                     type,
                                     now,
                                     delivery.attempt,
                                     delivery.deadline,
                                     delivery.start_paused,
                                     delivery.awaiting_write};
  return id;
}

std::optional<InFlightCommand> CommandTracker::Find(const std::string& id) const {
  const std::optional<uint64_t> number = IdNumber(id);
  if (!number.has_value()) return std::nullopt;
  absl::ReaderMutexLock lock(&mu_);
  auto it = pending_.find(*number);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

void CommandTracker::MarkWritten(const std::vector<std::string>& ids, absl::Time at) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : ids) {
    const std::optional<uint64_t> number = IdNumber(id);
    if (!number.has_value()) continue;
    auto it = pending_.find(*number);
    if (it == pending_.end()) continue;
    it->second.sent = at;
    it->second.awaiting_write = false;
  }
}

std::optional<InFlightCommand> CommandTracker::Complete(const std::string& id) {
  const std::optional<uint64_t> number = IdNumber(id);
  if (!number.has_value()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(*number);
  if (it == pending_.end()) return std::nullopt;
  InFlightCommand command = std::move(it->second);
  pending_.erase(it);
  return command;
}

std::vector<InFlightCommand> CommandTracker::Expire(absl::Time now, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  std::vector<InFlightCommand> expired;
  for (auto it = pending_.begin(); it != pending_.end();) {
    const absl::Duration deadline =
        it->second.deadline > absl::ZeroDuration() ? it->second.deadline : timeout;
    if (!it->second.awaiting_write && now - it->second.sent > deadline) {
      expired.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

void CommandTracker::DropNode(const std::string& node) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(pending_, [&](const auto& entry) { return entry.second.node == node; });
}

std::vector<InFlightCommand> CommandTracker::Pending() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<InFlightCommand> out;
  out.reserve(pending_.size());
  for (const auto& [id, command] : pending_) out.push_back(command);
  return out;
}

bool CommandTracker::Empty() const {
  absl::ReaderMutexLock lock(&mu_);
  return pending_.empty();
}

}  // namespace microscale
