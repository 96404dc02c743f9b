// EtcdMirror: a copy of every key under an etcd prefix, kept current with etcd's Watch.
//
// A standby controller keeps one of the state's prefix, so that on becoming leader it loads
// the state from memory instead of reading every record from etcd while agents wait (a warm
// view: with 100,000 assignments that read is tens of megabytes). The copy is read whole
// once (at one revision), then follows every change from the next revision on. A watch that
// breaks is opened again from the last revision the copy holds, on whichever endpoint
// answers; when etcd has compacted that revision away, the copy is read whole again.
// Thread-safety: every method is safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_STORE_ETCD_MIRROR_H_
#define MICROSCALE_CONTROLLER_STORE_ETCD_MIRROR_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/store/etcd_client.h"
#include "etcd/rpc.pb.h"

namespace microscale {

class EtcdMirror {
 public:
  EtcdMirror(std::shared_ptr<EtcdClient> client, std::string prefix);
  ~EtcdMirror();  // Stop()
  EtcdMirror(const EtcdMirror&) = delete;
  EtcdMirror& operator=(const EtcdMirror&) = delete;

  // Starts following the prefix on a thread of its own; nothing when it follows already.
  // The copy is empty (revision 0) until its first read succeeds.
  void Start();
  // Stops following and forgets the copy.
  void Stop();

  // The revision of etcd the copy holds: that of its first read, or of the last change
  // under the prefix it applied since. It holds every change under the prefix up to that
  // revision, none after. 0 before the first read.
  int64_t revision() const;
  // Waits until the copy holds `revision` or a later one, at most `timeout`: whether it does.
  // False at once when the mirror is not started.
  bool WaitFor(int64_t revision, absl::Duration timeout) const;
  // The keys that start with `prefix` (under the mirror's prefix), sorted, as a read of etcd
  // at revision() returns them (header.revision is revision()).
  etcdserverpb::RangeResponse Range(std::string_view prefix) const;

 private:
  enum class WatchEnd { kStopped, kBroken, kCompacted };

  void Run();
  // Replaces the copy by a whole read of the prefix: false when etcd did not answer (logged
  // when `report`).
  bool ReadWhole(bool report);
  // Follows changes from revision() + 1 until the watch ends; `followed` tells whether etcd
  // answered it. A broken watch is logged when `report` or `followed`.
  WatchEnd Follow(bool report, bool& followed);
  void Apply(const etcdserverpb::WatchResponse& response);
  // Waits `delay` unless Stop comes first: false then.
  bool Pause(absl::Duration delay);

  std::shared_ptr<EtcdClient> client_;
  const std::string prefix_;
  std::thread thread_;  // Start and Stop only
  absl::Mutex start_mu_;
  mutable absl::Mutex mu_;
  std::map<std::string, mvccpb::KeyValue> kvs_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  bool running_ ABSL_GUARDED_BY(mu_) = false;  // between Start and Stop
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* watching_ ABSL_GUARDED_BY(mu_) = nullptr;  // the open watch's
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_ETCD_MIRROR_H_
