#include "controller/server/node_registry.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>

namespace microscale {

const NodeContainers::Map& NodeContainers::map() const {
  static const Map* const kNone = new Map();
  return map_ != nullptr ? *map_ : *kNone;
}

NodeContainers::Map& NodeContainers::Mutable() {
  if (map_ == nullptr) {
    map_ = std::make_shared<Map>();
  } else if (map_.use_count() > 1) {
    map_ = std::make_shared<Map>(*map_);
  } else {
    // The last other holder let go: what it read of the map happened before its release of
    // the count, and this makes it happen before the writes that follow.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *map_;
}

namespace {

// An agent's list of containers, by instance id.
NodeContainers::Map ContainersByInstance(
    const google::protobuf::RepeatedPtrField<v1::Container>& list) {
  NodeContainers::Map out;
  for (const v1::Container& c : list) out[c.instance()] = c;
  return out;
}

}  // namespace

absl::Duration HeartbeatInterval(size_t nodes, const HeartbeatPacing& pacing) {
  if (!(pacing.max_per_second > 0)) return pacing.base;
  const double seconds = std::ceil(static_cast<double>(nodes) / pacing.max_per_second);
  return std::max(pacing.base, absl::Seconds(seconds));
}

void NodeRegistry::Register(const v1::Hello& hello, std::shared_ptr<AgentConnection> connection,
                            absl::Time now) {
  std::shared_ptr<AgentConnection> previous;
  {
    absl::MutexLock lock(&mu_);
    Record& record = nodes_[hello.node_name()];
    previous = std::move(record.connection);
    if (previous == nullptr) ++connected_;
    record.connection = std::move(connection);
    record.pace = absl::ZeroDuration();  // a new stream: not told yet
    NodeView& view = record.view;
    view.name = hello.node_name();
    view.capacity = hello.capacity();
    view.labels.clear();
    for (const auto& [k, v] : hello.labels()) view.labels[k] = v;
    view.address = record.connection->peer();
    view.advertise_address = hello.advertise_address();
    view.agent_version = hello.agent_version();
    view.runtime = hello.runtime();
    view.registered = now;
    view.last_contact = now;
    view.containers = NodeContainers(ContainersByInstance(hello.containers()));
    ++version_;
  }
  if (previous != nullptr) previous->Close();
}

bool NodeRegistry::Unregister(const std::string& node, const AgentConnection* connection,
                              absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.connection.get() != connection) return false;
  it->second.connection.reset();
  --connected_;
  // The node timeout runs from the drop, so an agent that redials is not replaced. A node
  // already NotReady stays so: a partitioned node's stream often ends only when its
  // keepalive gives up, after the timeout, and that is no sign of life.
  if (HealthOf(it->second, now) != NodeHealth::kNotReady) it->second.view.last_contact = now;
  // With no stream there are no heartbeats to pace: from the drop, the node timeout.
  it->second.pace = absl::ZeroDuration();
  ++version_;
  return true;
}

namespace {

// Whether `a` and `b` differ in what decides a node's fate: which instance, its state,
// health and container.
bool FateDiffers(const v1::Container& a, const v1::Container& b) {
  return a.state() != b.state() || a.health() != b.health() || a.container_id() != b.container_id();
}

// The usual heartbeat: the instances `containers` holds, in its order (an agent lists them
// sorted). Each is then updated in place, which allocates nothing unless a snapshot still
// shares the node's map (copied once, then). Sets `changed` when a container's fate
// changed. Returns false, having changed nothing, when the instances differ; the caller
// then replaces the whole set.
bool UpdateInPlace(const google::protobuf::RepeatedPtrField<v1::Container>& reported,
                   NodeContainers& containers, bool& changed) {
  if (static_cast<size_t>(reported.size()) != containers.size()) return false;
  auto r = reported.begin();
  for (const auto& [instance, container] : containers) {
    if (r->instance() != instance) return false;
    ++r;
  }
  NodeContainers::Map& known = containers.Mutable();
  auto k = known.begin();
  for (const v1::Container& c : reported) {
    if (FateDiffers(c, k->second)) changed = true;
    k->second = c;
    ++k;
  }
  return true;
}

}  // namespace

bool NodeRegistry::OnHeartbeat(const std::string& node, const v1::Heartbeat& heartbeat,
                               absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return false;
  NodeView& view = it->second.view;
  const bool was_not_ready = now - view.last_contact > TimeoutOf(it->second);
  view.last_contact = now;
  bool changed = was_not_ready;
  if (heartbeat.unchanged()) {  // the list of the stream's last full heartbeat still holds
    if (changed) ++version_;
    return changed;
  }
  if (!UpdateInPlace(heartbeat.containers(), view.containers, changed)) {
    NodeContainers::Map reported = ContainersByInstance(heartbeat.containers());
    changed = changed || reported.size() != view.containers.size();
    auto b = view.containers.begin();
    for (auto a = reported.cbegin(); !changed && a != reported.cend(); ++a, ++b) {
      changed = a->first != b->first || FateDiffers(a->second, b->second);
    }
    view.containers = NodeContainers(std::move(reported));
  }
  if (changed) ++version_;
  return changed;
}

void NodeRegistry::OnContainer(const std::string& node, const v1::Container& container,
                               absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || container.instance().empty()) return;
  it->second.view.last_contact = now;
  it->second.view.containers.Mutable()[container.instance()] = container;
  ++version_;
}

void NodeRegistry::OnContainerRemoved(const std::string& node, const std::string& instance,
                                      absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  it->second.view.last_contact = now;
  if (it->second.view.containers.contains(instance)) {
    it->second.view.containers.Mutable().erase(instance);
  }
  ++version_;
}

uint64_t NodeRegistry::Version() const {
  absl::ReaderMutexLock lock(&mu_);
  return version_;
}

void NodeRegistry::Touch(const std::string& node, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it != nodes_.end()) it->second.view.last_contact = now;
}

void NodeRegistry::SetCordons(const std::set<std::string>& cordoned) {
  absl::MutexLock lock(&mu_);
  cordoned_ = cordoned;
}

bool NodeRegistry::ForgetNotReady(const std::string& node, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || HealthOf(it->second, now) != NodeHealth::kNotReady) return false;
  if (it->second.connection != nullptr) --connected_;
  nodes_.erase(it);
  ++version_;
  return true;
}

std::vector<std::string> NodeRegistry::NotReadyLongerThan(absl::Duration d, absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, record] : nodes_) {
    // NotReady from the moment the node timeout ran out after the last contact.
    if (now - record.view.last_contact > TimeoutOf(record) + d) out.push_back(name);
  }
  return out;
}

std::optional<absl::Duration> NodeRegistry::PaceToTell(const std::string& node) {
  if (!(pacing_.max_per_second > 0)) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.connection == nullptr) return std::nullopt;
  const absl::Duration want = HeartbeatInterval(connected_, pacing_);
  if (it->second.pace == want) return std::nullopt;
  it->second.pace = want;
  return want;
}

absl::Duration NodeRegistry::TimeoutOf(const Record& record) const {
  return std::max(node_timeout_, kMissedHeartbeats * record.pace);
}

NodeHealth NodeRegistry::HealthOf(const Record& record, absl::Time now) const {
  if (now - record.view.last_contact > TimeoutOf(record)) return NodeHealth::kNotReady;
  if (record.connection == nullptr) return NodeHealth::kUnreachable;
  return NodeHealth::kReady;
}

NodeView NodeRegistry::ViewOf(const Record& record, absl::Time now) const {
  NodeView view = record.view;
  view.cordoned = cordoned_.contains(view.name);
  view.health = HealthOf(record, now);
  return view;
}

std::vector<NodeHealthMark> NodeRegistry::Health(absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<NodeHealthMark> out;
  out.reserve(nodes_.size());
  for (const auto& [name, record] : nodes_) {
    out.push_back({name, HealthOf(record, now), cordoned_.contains(name)});
  }
  return out;
}

std::vector<NodeView> NodeRegistry::Snapshot(absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<NodeView> out;
  out.reserve(nodes_.size());
  for (const auto& [name, record] : nodes_) out.push_back(ViewOf(record, now));
  return out;
}

std::optional<NodeView> NodeRegistry::Get(const std::string& node, absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return std::nullopt;
  return ViewOf(it->second, now);
}

std::shared_ptr<AgentConnection> NodeRegistry::Connection(const std::string& node) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : it->second.connection;
}

bool NodeRegistry::AnyMissing(const std::set<std::string>& nodes) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const std::string& node : nodes) {
    if (!nodes_.contains(node)) return true;
  }
  return false;
}

const char* NodeStateName(const NodeView& node) {
  if (node.health == NodeHealth::kNotReady) return "NotReady";
  if (node.cordoned) return "Cordoned";
  return "Ready";
}

}  // namespace microscale
