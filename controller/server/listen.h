// How a controller takes its ports, leader or standby: the gRPC server with its limits and
// credentials, and retries while a controller that is stopping still holds an address.
#ifndef MICROSCALE_CONTROLLER_SERVER_LISTEN_H_
#define MICROSCALE_CONTROLLER_SERVER_LISTEN_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/server/controller_flags.h"

namespace microscale {

// A controller restarted right after a stop may find its data directory's lock and its
// ports still held by the stopping one (it lets go within its 5 s stop limit): taking them
// is tried again for a little longer than that.
inline constexpr absl::Duration kListenRetry = absl::Seconds(6);

// Calls `listen` until it succeeds or kListenRetry has passed; its last error then. The
// first failure is logged, naming `flag` and `address`.
absl::Status RetryListen(const char* flag, const std::string& address,
                         const std::function<absl::Status()>& listen);

// A gRPC server on --grpc-addr serving `services`, with the config's TLS (or plaintext,
// with a warning when the address is not loopback) and the controller's limits: a message
// received (a manifest, an agent's Hello) is at most 4 MiB, answers may be larger (the app
// list of a big cluster), a connection that has not finished its handshake in 10 s is
// dropped, and agents' keepalive pings (every 10 s) are allowed so a cut link is noticed on
// both sides. The bound port in `port`.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    const ControllerConfig& config, const std::vector<grpc::Service*>& services, int* port);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_LISTEN_H_
