// LeaderElection: of the controllers sharing one etcd prefix, exactly one leads.
//
// The leader holds the key `<prefix>leader` (its value: the controller's advertised
// address) attached to an etcd lease of --leader-lease seconds that it keeps alive. The
// others are standbys: they wait until the key is gone (the leader stopped, or its lease
// ran out), then try to create it; etcd's transaction lets exactly one succeed. The key's
// create revision identifies this leadership: the state store fences every write on it.
//
// A leader that cannot renew its lease for a whole lease, or whose key is gone or belongs
// to another leadership, has lost: `on_lost` is called once, and the controller stops
// acting at once. An orderly stop revokes the lease, so a standby takes over without
// waiting for it to run out.
// Thread-safety: Campaign and Resign from one thread; the keep-alive runs on its own.
#ifndef MICROSCALE_CONTROLLER_SERVER_LEADER_ELECTION_H_
#define MICROSCALE_CONTROLLER_SERVER_LEADER_ELECTION_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/store/etcd_client.h"

namespace microscale {

struct LeaderElectionOptions {
  std::string key;       // <prefix>leader
  std::string identity;  // this controller's advertised address, the key's value
  absl::Duration lease = absl::Seconds(5);
};

class LeaderElection {
 public:
  LeaderElection(std::shared_ptr<EtcdClient> client, LeaderElectionOptions options);
  // Resigns if still leading.
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Blocks until this controller leads. Between tries it calls `wait` (250 ms at a time
  // while another controller leads, with backoff while etcd does not answer); `wait`
  // returning false gives up: Cancelled.
  absl::Status Campaign(const std::function<bool(absl::Duration)>& wait);

  // The create revision of the leader key this controller made (0 before it leads).
  int64_t create_revision() const { return create_revision_; }
  const std::string& key() const { return options_.key; }

  // Keeps the lease alive (every lease / 3) on a thread of its own and checks the key;
  // calls `on_lost` once when leadership is lost.
  void KeepLeading(std::function<void()> on_lost);

  // Stops the keep-alive and revokes the lease (the key goes with it).
  void Resign();

 private:
  void KeepAliveLoop();

  std::shared_ptr<EtcdClient> client_;
  LeaderElectionOptions options_;
  int64_t lease_ = 0;
  int64_t create_revision_ = 0;
  std::function<void()> on_lost_;
  std::thread keeper_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_LEADER_ELECTION_H_
