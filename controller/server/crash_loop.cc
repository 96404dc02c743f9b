#include "controller/server/crash_loop.h"

#include <algorithm>

namespace microscale {

bool CrashLoops::Over(const CrashLoop& loop, absl::Time now) const { return now >= EndsAt(loop); }

std::optional<CrashLoop> CrashLoops::OnExit(const std::string& app, const std::string& instance,
                                            int exit_code, absl::Duration ran, absl::Time now) {
  auto it = loops_.find(app);
  if (it != loops_.end() && Over(it->second, now)) {
    loops_.erase(it);
    it = loops_.end();
  }
  if (ran >= policy_.reset_after) {
    if (it != loops_.end()) loops_.erase(it);
    return std::nullopt;
  }
  CrashLoop& loop = loops_[app];
  ++loop.crashes;
  loop.delay =
      loop.crashes == 1 ? policy_.first_delay : std::min(policy_.max_delay, loop.delay * 2);
  loop.last_crash = now;
  loop.until = now + loop.delay;
  loop.instance = instance;
  loop.exit_code = exit_code;
  loop.ran = ran;
  return loop;
}

bool CrashLoops::Holding(const std::string& app, absl::Time now) const {
  auto it = loops_.find(app);
  return it != loops_.end() && now < it->second.until;
}

std::optional<CrashLoop> CrashLoops::Get(const std::string& app) const {
  auto it = loops_.find(app);
  if (it == loops_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> CrashLoops::Expire(absl::Time now) {
  std::vector<std::string> over;
  for (auto it = loops_.begin(); it != loops_.end();) {
    if (Over(it->second, now)) {
      over.push_back(it->first);
      it = loops_.erase(it);
    } else {
      ++it;
    }
  }
  return over;
}

}  // namespace microscale
