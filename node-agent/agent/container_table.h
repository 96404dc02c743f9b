// ContainerTable: the agent's view of the managed containers on its node, keyed by instance.
//
// Fed by runtime listings, command results and runtime events; read for heartbeats, so a
// heartbeat never waits on the container engine. A listing that started before a newer
// change (a command result or an event that arrived while the engine was answering) does
// not undo that change: every change carries a sequence number, and ReplaceAll() keeps the
// entries changed after the listing began. Thread-safe.
#ifndef MICROSCALE_NODE_AGENT_AGENT_CONTAINER_TABLE_H_
#define MICROSCALE_NODE_AGENT_AGENT_CONTAINER_TABLE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "microscale/v1/agent_gateway.pb.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

class ContainerTable {
 public:
  // The sequence number of the latest change; read it before starting a listing.
  uint64_t Sequence() const;

  // Makes the table equal to `listed`, except for entries changed after `listed_since`.
  void ReplaceAll(const std::vector<v1::Container>& listed, uint64_t listed_since);
  void Upsert(const v1::Container& container);
  void Remove(const std::string& instance);
  // Started/resumed -> running, paused -> paused, exited/OOM-killed -> exited with the
  // exit code, removed -> gone; an event of no kind (a health change) changes only what its
  // container carries. Fields of the event's container overwrite known ones.
  // kIgnored, changing nothing, for an event of a container the table holds as removed:
  // the engine reports a stop's exit after the stop, and instance ids are never used again,
  // so such an event is a late word of a container that is gone (applied, it brought the
  // container back as exited until its removal event, and the controller sent a second stop
  // to clear it up). kUnchanged when the container was already as the event says (a start's
  // result came first); the entry still counts as changed now for ReplaceAll.
  enum class EventEffect { kIgnored, kUnchanged, kChanged };
  EventEffect ApplyEvent(const v1::ContainerEvent& event);

  std::optional<v1::Container> Find(const std::string& instance) const;
  // Every container, ordered by instance.
  std::vector<v1::Container> Snapshot() const;

 private:
  struct Entry {
    std::optional<v1::Container> container;  // nullopt: removed (kept until a newer listing)
    uint64_t changed_at = 0;
  };
  void SetLocked(const std::string& instance, std::optional<v1::Container> container)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_CONTAINER_TABLE_H_
