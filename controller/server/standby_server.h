// StandbyServer: what a standby controller serves while another controller leads.
//
// On --grpc-addr, the ControlPlane API: the reads (get, describe, events, endpoints) are
// passed on to the leader with the caller's token and deadline, so they answer exactly as
// the leader would; Version and ListControllers are answered here, from etcd; a write is
// refused with FAILED_PRECONDITION naming the leader (and the trailing metadata
// `microscale-leader: ADDRESS`), or UNAVAILABLE while no controller leads. An agent's
// stream is refused the same way, so an agent given every controller moves on to the
// leader. Every call needs the same token as on the leader (the token table is in etcd).
// On --http-addr: /metrics (microscale_controller_leader 0), /healthz, and /readyz
// answering 503 "standby", so a load balancer or Kubernetes Service sends clients to the
// leader.
// Thread-safety: Start and Stop from one thread; gRPC and HTTP call handlers concurrently.
#ifndef MICROSCALE_CONTROLLER_SERVER_STANDBY_SERVER_H_
#define MICROSCALE_CONTROLLER_SERVER_STANDBY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "controller/server/controller_flags.h"
#include "controller/store/etcd_client.h"

namespace microscale {

class StandbyServer {
 public:
  // Listens on the config's gRPC and HTTP addresses (tried again for a few seconds while a
  // controller that is stopping still holds them). Unavailable when they cannot be bound.
  static absl::StatusOr<std::unique_ptr<StandbyServer>> Start(const ControllerConfig& config,
                                                              std::string version,
                                                              std::shared_ptr<EtcdClient> etcd);
  ~StandbyServer();  // Stop()
  StandbyServer(const StandbyServer&) = delete;
  StandbyServer& operator=(const StandbyServer&) = delete;

  // Stops serving and frees both ports (calls in progress are cut after a second), so the
  // controller can take them when it leads. Idempotent.
  void Stop();

  int grpc_port() const;
  int http_port() const;

  struct Parts;

 private:
  explicit StandbyServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_STANDBY_SERVER_H_
