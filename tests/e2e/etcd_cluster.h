// EtcdCluster: a real etcd cluster of several members (Debian package etcd-server) on
// loopback, for tests of controllers that fail over: each member has free client and peer
// ports of 127.0.0.1 and its own data dir under one scratch directory. Stop() and Start()
// take every member down and bring it back on the same ports and data, as an outage of
// the whole cluster would. The destructor kills the members and removes the directory.
// Thread-compatible: one test thread.
#ifndef MICROSCALE_TESTS_E2E_ETCD_CLUSTER_H_
#define MICROSCALE_TESTS_E2E_ETCD_CLUSTER_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {

class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 3);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Starts every member that is not running (a new cluster the first time, its data
  // afterwards) and waits until all of them are healthy (a read through the quorum). On
  // failure, `why` receives the reason and the members' logs.
  bool Start(std::string* why, absl::Duration timeout = absl::Seconds(60));
  // SIGTERM to every member, then waits for each to exit (SIGKILL after 10 s).
  void Stop();
  // SIGTERM to member i (0-based) alone, then waits for it to exit; Start() brings it back.
  void StopMember(int i);
  // Whether `etcdctl endpoint health` finds every member healthy now.
  bool Healthy() const;
  // The value of --store for controllers: "etcd://127.0.0.1:<client port>,...".
  std::string store() const;
  // The same, naming only the members listed (0-based): a controller that reaches no other.
  std::string store_of(const std::vector<int>& members) const;
  std::string Logs() const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    ChildProcess process;
  };
  std::string Endpoints() const;  // host:port,... as etcdctl takes them

  std::string dir_;
  std::vector<Member> members_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_ETCD_CLUSTER_H_
