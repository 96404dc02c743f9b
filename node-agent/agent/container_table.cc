#include "node-agent/agent/container_table.h"

#include <set>
#include <utility>

namespace microscale {

uint64_t ContainerTable::Sequence() const {
  absl::MutexLock lock(&mu_);
  return sequence_;
}

void ContainerTable::SetLocked(const std::string& instance,
                               std::optional<v1::Container> container) {
  Entry& entry = entries_[instance];
  entry.container = std::move(container);
  entry.changed_at = ++sequence_;
}

void ContainerTable::ReplaceAll(const std::vector<v1::Container>& listed, uint64_t listed_since) {
  absl::MutexLock lock(&mu_);
  std::set<std::string> seen;
  for (const v1::Container& c : listed) {
    seen.insert(c.instance());
    auto it = entries_.find(c.instance());
    if (it != entries_.end() && it->second.changed_at > listed_since) continue;
    entries_[c.instance()] = Entry{c, listed_since};
  }
  // Entries changed after the listing began (including removals) stay as they are.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.changed_at <= listed_since && seen.count(it->first) == 0) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void ContainerTable::Upsert(const v1::Container& container) {
  absl::MutexLock lock(&mu_);
  SetLocked(container.instance(), container);
}

void ContainerTable::Remove(const std::string& instance) {
  absl::MutexLock lock(&mu_);
  SetLocked(instance, std::nullopt);
}

ContainerTable::EventEffect ContainerTable::ApplyEvent(const v1::ContainerEvent& event) {
  const std::string& instance = event.container().instance();
  if (instance.empty()) return EventEffect::kIgnored;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(instance);
  if (it != entries_.end() && !it->second.container) return EventEffect::kIgnored;
  if (event.kind() == v1::ContainerEvent::REMOVED) {
    SetLocked(instance, std::nullopt);
    return EventEffect::kChanged;
  }
  v1::Container merged;
  if (it != entries_.end()) merged = *it->second.container;
  // MergeFrom appends repeated fields: an event that carries the ports replaces them.
  if (event.container().ports_size() > 0) merged.clear_ports();
  merged.MergeFrom(event.container());
  switch (event.kind()) {
    case v1::ContainerEvent::STARTED:
    case v1::ContainerEvent::RESUMED:
      merged.set_state(v1::CONTAINER_STATE_RUNNING);
      break;
    case v1::ContainerEvent::PAUSED:
      merged.set_state(v1::CONTAINER_STATE_PAUSED);
      break;
    case v1::ContainerEvent::EXITED:
    case v1::ContainerEvent::OOM_KILLED:
      merged.set_state(v1::CONTAINER_STATE_EXITED);
      merged.set_exit_code(event.exit_code());
      break;
    default:
      break;
  }
  const bool same = it != entries_.end() &&
                    it->second.container->SerializeAsString() == merged.SerializeAsString();
  SetLocked(instance, std::move(merged));
  return same ? EventEffect::kUnchanged : EventEffect::kChanged;
}

std::optional<v1::Container> ContainerTable::Find(const std::string& instance) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(instance);
  if (it == entries_.end()) return std::nullopt;
  return it->second.container;
}

std::vector<v1::Container> ContainerTable::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Container> out;
  for (const auto& [instance, entry] : entries_) {
    if (entry.container) out.push_back(*entry.container);
  }
  return out;
}

}  // namespace microscale
