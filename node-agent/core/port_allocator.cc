#include "node-agent/core/port_allocator.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace microscale {

PortAllocator::PortAllocator(PortRange range) : range_(range) {}

uint64_t PortAllocator::Sequence() const {
  absl::MutexLock lock(&mu_);
  return sequence_;
}

void PortAllocator::SetLocked(const std::string& owner, std::vector<int> ports) {
  Entry& entry = entries_[owner];
  entry.ports = std::move(ports);
  entry.changed_at = ++sequence_;
}

absl::StatusOr<std::vector<int>> PortAllocator::Allocate(const std::string& owner, int count,
                                                         const HostPortProbe& free_on_host) {
  absl::MutexLock lock(&mu_);
  std::set<int> others;
  std::set<int> own;
  for (const auto& [name, entry] : entries_) {
    (name == owner ? own : others).insert(entry.ports.begin(), entry.ports.end());
  }
  const int size = range_.Size();
  std::vector<int> picked;
  // First the ports nobody holds; then, if that is not enough, the owner's own old ones.
  for (bool reuse_own : {false, true}) {
    for (int i = 0; i < size && static_cast<int>(picked.size()) < count; ++i) {
      const int port = range_.first + (cursor_ + i) % size;
      if (others.contains(port) || own.contains(port) != reuse_own) continue;
      if (std::find(picked.begin(), picked.end(), port) != picked.end()) continue;
      if (free_on_host && !free_on_host(port)) continue;
      picked.push_back(port);
    }
  }
  if (static_cast<int>(picked.size()) < count) {
    return absl::FailedPreconditionError(
        absl::StrCat("no free host port in --port-range ", range_.ToString()));
  }
  if (!picked.empty()) {
    cursor_ = (picked.back() - range_.first + 1) % size;
    handed_out_ = true;
  }
  std::vector<int> held = picked;
  for (int port : own) {
    if (std::find(picked.begin(), picked.end(), port) == picked.end()) held.push_back(port);
  }
  SetLocked(owner, std::move(held));
  return picked;
}

void PortAllocator::Hold(const std::string& owner, std::vector<int> ports) {
  absl::MutexLock lock(&mu_);
  SetLocked(owner, std::move(ports));
}

void PortAllocator::Release(const std::string& owner) {
  absl::MutexLock lock(&mu_);
  SetLocked(owner, {});
}

void PortAllocator::ReplaceAll(const std::map<std::string, std::vector<int>>& held,
                               uint64_t listed_since) {
  absl::MutexLock lock(&mu_);
  for (const auto& [owner, ports] : held) {
    auto it = entries_.find(owner);
    if (it != entries_.end() && it->second.changed_at > listed_since) continue;
    entries_[owner] = Entry{ports, listed_since};
  }
  // Owners changed after the listing began (releases included) stay as they are.
  std::erase_if(entries_, [&](const auto& entry) {
    return entry.second.changed_at <= listed_since && !held.contains(entry.first);
  });
  if (handed_out_) return;
  // A restarted agent has lost its cursor. Round-robin made the highest port its containers
  // hold the last one handed out (until the search wrapped): continue after it.
  int highest = -1;
  for (const auto& [owner, ports] : held) {
    for (int port : ports) {
      if (range_.Contains(port)) highest = std::max(highest, port);
    }
  }
  if (highest >= 0) cursor_ = (highest - range_.first + 1) % range_.Size();
}

std::vector<int> PortAllocator::Held(const std::string& owner) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(owner);
  return it == entries_.end() ? std::vector<int>() : it->second.ports;
}

}  // namespace microscale
