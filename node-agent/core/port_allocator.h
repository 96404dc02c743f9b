// PortAllocator: picks the host ports a node's containers are published on.
//
// Ports come from one PortRange and are handed out round-robin: each search continues after
// the last port handed out and wraps at the end of the range, so a port just freed is not
// given to the next container at once (a load balancer entry that still points at it would
// reach the wrong container). A port is skipped while another owner holds it (a container of
// this node in any state, keyed by its name) and when the probe says something else on the
// host has it. Holdings come from Allocate, Hold (a container found on the engine) and
// ReplaceAll (a fresh listing), and go with Release. As in ContainerTable, a listing that
// began before a change does not undo it: every change carries a sequence number.
// Pure apart from the probe it is given; thread-safe.
#ifndef MICROSCALE_NODE_AGENT_CORE_PORT_ALLOCATOR_H_
#define MICROSCALE_NODE_AGENT_CORE_PORT_ALLOCATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/core/port_range.h"

namespace microscale {

// True when nothing else on the host holds `port`. Called with the allocator's lock held.
using HostPortProbe = std::function<bool(int port)>;

class PortAllocator {
 public:
  explicit PortAllocator(PortRange range);

  const PortRange& range() const { return range_; }

  // The sequence number of the latest change; read it before starting a listing.
  uint64_t Sequence() const;

  // `count` distinct ports of the range for `owner`, which then holds them as well as what
  // it held before (the container it replaces, or adopts after all, may still have those),
  // until Hold or Release settles what it holds. Ports `owner` held before are picked only
  // after every other free one. `free_on_host` may be empty (no probe). FailedPrecondition
  // "no free host port in --port-range LO-HI" when too few are free; nothing changes then.
  absl::StatusOr<std::vector<int>> Allocate(const std::string& owner, int count,
                                            const HostPortProbe& free_on_host);
  // `owner` holds exactly `ports`, in the range or not (a host-network container's own).
  void Hold(const std::string& owner, std::vector<int> ports);
  // `owner` holds nothing any more.
  void Release(const std::string& owner);
  // Makes the holdings equal to `held` (owner -> ports), except for owners changed after
  // `listed_since`. Before the first Allocate, the search then begins after the highest
  // port held (where a previous agent's round-robin had got to).
  void ReplaceAll(const std::map<std::string, std::vector<int>>& held, uint64_t listed_since);

  // What `owner` holds, in the order handed out; empty if nothing.
  std::vector<int> Held(const std::string& owner) const;

 private:
  struct Entry {
    std::vector<int> ports;  // empty: released (kept until a newer listing)
    uint64_t changed_at = 0;
  };
  void SetLocked(const std::string& owner, std::vector<int> ports)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PortRange range_;
  mutable absl::Mutex mu_;
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  // Offset into the range where the next search begins: just after the last port handed out.
  int cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool handed_out_ ABSL_GUARDED_BY(mu_) = false;  // by this allocator, since it was made
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_CORE_PORT_ALLOCATOR_H_
