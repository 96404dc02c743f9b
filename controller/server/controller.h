// Controller: one running microscale-controller, wired from its parts.
//
// Owns the state store, the live tables, the demand poller, the reconciler, the gRPC
// server (AgentGateway, ControlPlane, health checking, reflection) and the HTTP server
// (/metrics, /healthz, /readyz, and the dashboard at / with its API under /api/v1/:
// dashboard.h). main() only parses flags and calls Start; tests start
// it in-process on ephemeral ports.
// Thread-safety: Start and Shutdown from one thread; the parts are thread-safe.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTROLLER_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTROLLER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "controller/server/controller_flags.h"
#include "controller/store/etcd_mirror.h"

namespace microscale {

// With leader election on etcd: the leader key every store write is fenced on, and what to
// call when a write finds the leadership lost.
struct Leadership {
  std::string key;
  int64_t create_revision = 0;
  std::function<void()> on_lost;
  // The copy of the state this controller kept as a standby (etcd_mirror.h), or nullptr.
  // Start loads the state from it when it holds this leadership's revision within
  // kMirrorCatchUp (from etcd otherwise), then stops it.
  std::shared_ptr<EtcdMirror> mirror;
};

class Controller {
 public:
  // How long a new leader waits for its standby copy of the state to hold its leadership's
  // revision before it reads the state from etcd instead.
  static constexpr absl::Duration kMirrorCatchUp = absl::Seconds(2);

  // Opens the store, loads the apps and starts serving. Unavailable when an address
  // cannot be bound; the store's error when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<Controller>> Start(const ControllerConfig& config,
                                                           std::string version,
                                                           Clock& clock = RealClock::Get(),
                                                           Leadership leadership = {});
  ~Controller();

  // With --store etcd://: reads under the prefix until etcd answers, logging each failure
  // (it names etcd and every endpoint) and waiting with backoff (1 s doubling to 10 s)
  // through `wait`, which returns false to give up (a stop signal): Cancelled then. OK at
  // once for sqlite.
  static absl::Status WaitForStore(const ControllerConfig& config,
                                   const std::function<bool(absl::Duration)>& wait);

  // Stops serving: agents see their streams end and keep their containers.
  void Shutdown();
  // Blocks until Shutdown is called from another thread.
  void Wait();

  int grpc_port() const;
  int http_port() const;

  struct Parts;

 private:
  explicit Controller(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTROLLER_H_
