// NodeRegistry: what the controller knows of each node agent.
//
// Fed by the AgentGateway handlers (Hello, heartbeats, command results, container events)
// and read by the reconciler as snapshots. A node is Ready while its stream is connected
// and it was heard from within the node timeout; NotReady after that. A node whose stream
// just dropped is "unreachable": its containers still count until the timeout, but nothing
// new is placed on it and no command can reach it.
// Thread-safety: every method is safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_SERVER_NODE_REGISTRY_H_
#define MICROSCALE_CONTROLLER_SERVER_NODE_REGISTRY_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/server/agent_connection.h"
#include "microscale/v1/agent_gateway.pb.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

enum class NodeHealth { kReady, kUnreachable, kNotReady };

// One node's containers, by instance id. Copies share one map: a snapshot of 1,000 nodes
// copies 1,000 pointers instead of 100,000 containers (it copied them all on every
// reconcile pass), and the registry copies a node's map only to change one that a snapshot
// still holds.
class NodeContainers {
 public:
  using Map = std::map<std::string, v1::Container>;
  using const_iterator = Map::const_iterator;
  using iterator = const_iterator;
  using value_type = Map::value_type;

  NodeContainers() = default;
  explicit NodeContainers(Map map) : map_(std::make_shared<Map>(std::move(map))) {}

  const Map& map() const;
  const_iterator begin() const { return map().begin(); }
  const_iterator end() const { return map().end(); }
  size_t size() const { return map().size(); }
  bool empty() const { return map().empty(); }
  bool contains(const std::string& instance) const { return map().contains(instance); }
  const v1::Container& at(const std::string& instance) const { return map().at(instance); }

  // This holder's map, to change: copied first while another holder shares it. The
  // holder's owner must keep others from copying this holder meanwhile (the registry's
  // lock does); copies of copies may come and go.
  Map& Mutable();

 private:
  std::shared_ptr<Map> map_;  // null: none
};

// A copy of one node's record at a moment.
struct NodeView {
  std::string name;
  NodeHealth health = NodeHealth::kNotReady;
  bool cordoned = false;
  v1::NodeCapacity capacity;
  std::map<std::string, std::string> labels;
  std::string address;  // the agent's connection as gRPC names it ("ipv4:10.0.0.5:41234")
  // Where clients reach the node's published ports (Hello.advertise_address); may be empty.
  std::string advertise_address;
  std::string agent_version;
  std::string runtime;
  absl::Time registered;
  absl::Time last_contact;
  NodeContainers containers;
};

// One node's health and cordon mark: what a resync looks at to tell whether anything
// changed with time alone.
struct NodeHealthMark {
  std::string name;
  NodeHealth health = NodeHealth::kNotReady;
  bool cordoned = false;
  bool operator==(const NodeHealthMark&) const = default;
};

// How often agents heartbeat: `base` (the agents' own interval) while that keeps the
// nodes within `max_per_second` heartbeats a second together, longer beyond (whole seconds).
struct HeartbeatPacing {
  absl::Duration base = absl::Seconds(2);
  double max_per_second = 100;  // 0: agents keep their own interval
};

// The interval `pacing` gives each of `nodes` connected agents.
absl::Duration HeartbeatInterval(size_t nodes, const HeartbeatPacing& pacing);

// A node is NotReady after this many of its heartbeat intervals without a word, or after
// the node timeout when that is longer.
inline constexpr int kMissedHeartbeats = 3;

class NodeRegistry {
 public:
  explicit NodeRegistry(absl::Duration node_timeout, HeartbeatPacing pacing = {})
      : node_timeout_(node_timeout), pacing_(pacing) {}

  // Records a (re)connected agent; a previous connection of the same node is closed.
  void Register(const v1::Hello& hello, std::shared_ptr<AgentConnection> connection,
                absl::Time now);
  // Forgets the connection if it is still the node's current one; returns whether it was.
  bool Unregister(const std::string& node, const AgentConnection* connection, absl::Time now);

  // Returns true when the heartbeat changed what the node runs (instances, their states or health)
  // or brought a NotReady node back: an unchanged heartbeat only refreshes liveness.
  bool OnHeartbeat(const std::string& node, const v1::Heartbeat& heartbeat, absl::Time now);
  void OnContainer(const std::string& node, const v1::Container& container, absl::Time now);
  void OnContainerRemoved(const std::string& node, const std::string& instance, absl::Time now);
  void Touch(const std::string& node, absl::Time now);
  // Counts changes of what nodes run (and of agents connecting and leaving), so a watcher
  // rebuilds only when it moved. Health that changes with time alone does not count.
  uint64_t Version() const;

  void SetCordons(const std::set<std::string>& cordoned);

  std::vector<NodeView> Snapshot(absl::Time now) const;
  // Every node's health, by name: cheap (no containers copied).
  std::vector<NodeHealthMark> Health(absl::Time now) const;
  std::optional<NodeView> Get(const std::string& node, absl::Time now) const;
  std::shared_ptr<AgentConnection> Connection(const std::string& node) const;
  // True when at least one of `nodes` has not connected since this controller started.
  bool AnyMissing(const std::set<std::string>& nodes) const;
  // Removes `node` if it is NotReady; false (nothing changed) if it is unknown or not
  // NotReady. A Ready or unreachable node is never forgotten.
  bool ForgetNotReady(const std::string& node, absl::Time now);
  // The NotReady nodes that have been NotReady for longer than `d`.
  std::vector<std::string> NotReadyLongerThan(absl::Duration d, absl::Time now) const;

  // The heartbeat interval to tell `node`'s agent (a Pace), when it is not the one it was
  // told last; from then on the node is NotReady only after the longer of the node
  // timeout and kMissedHeartbeats of these intervals. nullopt without pacing.
  std::optional<absl::Duration> PaceToTell(const std::string& node);

 private:
  struct Record {
    NodeView view;
    std::shared_ptr<AgentConnection> connection;
    absl::Duration pace;  // the heartbeat interval its agent was told; zero: none
  };
  NodeView ViewOf(const Record& record, absl::Time now) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  NodeHealth HealthOf(const Record& record, absl::Time now) const;
  absl::Duration TimeoutOf(const Record& record) const;

  const absl::Duration node_timeout_;
  const HeartbeatPacing pacing_;
  mutable absl::Mutex mu_;
  std::map<std::string, Record> nodes_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> cordoned_ ABSL_GUARDED_BY(mu_);
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  size_t connected_ ABSL_GUARDED_BY(mu_) = 0;  // records with a connection
};

const char* NodeStateName(const NodeView& node);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_NODE_REGISTRY_H_
