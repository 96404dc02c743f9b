// ControllerRoster: the controllers that share one etcd prefix, and which of them leads.
//
// Each controller keeps the key `<prefix>controllers/<advertised address>` on a lease of its
// own (as long as the leader lease), so a controller that dies leaves the list within a
// lease. The value is a v1.ControllerInfo: the host name, the address, and since when the
// controller has its present role. The leader is the controller whose address is the value
// of `<prefix>leader` (leader_election.h); the role is read from that key, not stored.
// Thread-safety: Join, RoleChanged and Leave from one thread; the keep-alive runs on its own.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTROLLER_ROSTER_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTROLLER_ROSTER_H_

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/store/etcd_client.h"
#include "microscale/v1/control_plane.pb.h"

namespace microscale {

// This controller as the list shows it: the host's name and `address`, since now.
v1::ControllerInfo ThisController(std::string address);

// The address in `<prefix>leader`; empty while no controller leads.
absl::StatusOr<std::string> LeaderAddress(EtcdClient& client, std::string_view prefix);

// Every controller listed under `prefix`, the leader first, then by address. A leader that
// has not listed itself (yet) is shown with its address only.
absl::StatusOr<std::vector<v1::ControllerInfo>> ListControllers(EtcdClient& client,
                                                                std::string_view prefix);

class ControllerRoster {
 public:
  // `self`: this controller's name and advertised address.
  ControllerRoster(std::shared_ptr<EtcdClient> client, const std::string& prefix,
                   v1::ControllerInfo self, absl::Duration lease);
  ~ControllerRoster();  // Leave()
  ControllerRoster(const ControllerRoster&) = delete;
  ControllerRoster& operator=(const ControllerRoster&) = delete;

  // Lists this controller (as of now) and keeps it listed on a thread of its own: the
  // lease is renewed every lease / 3, and made again (with the key) when etcd lost it. A
  // failure is logged and tried again; it never stops the controller.
  void Join();
  // This controller leads, or stands by again, from now on: its `since` is written again.
  void RoleChanged();
  // Stops the keep-alive and takes this controller off the list.
  void Leave();

 private:
  void KeepListed();
  // Grants a lease and writes the key on it; logs a failure.
  bool List() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::shared_ptr<EtcdClient> client_;
  const std::string key_;
  const absl::Duration lease_ttl_;
  absl::Mutex mu_;
  v1::ControllerInfo self_ ABSL_GUARDED_BY(mu_);
  int64_t lease_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread keeper_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTROLLER_ROSTER_H_
