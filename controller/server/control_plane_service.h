// ControlPlaneService: the API microscalectl drives (microscale.v1.ControlPlane).
//
// Each handler validates its request (INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION
// with a message naming the field), writes through the StateStore first, then updates the
// live tables and wakes the reconciler, so nothing is half-applied when a write fails.
//
// Before a handler runs, the call is admitted: the caller's connection must be under its
// request rate (RESOURCE_EXHAUSTED otherwise) and, once the store holds tokens, carry a
// bearer token whose role grants the method (UNAUTHENTICATED / PERMISSION_DENIED). Apply
// refuses a request over kMaxApplyBytes and a result over `max_apps` apps.
// Thread-safety: gRPC calls handlers concurrently; writes are serialized by a mutex.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTROL_PLANE_SERVICE_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTROL_PLANE_SERVICE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/demand/demand_poller.h"
#include "controller/server/app_table.h"
#include "controller/server/authorizer.h"
#include "controller/server/event_log.h"
#include "controller/server/node_registry.h"
#include "controller/server/rate_limiter.h"
#include "controller/server/reconciler.h"
#include "controller/server/refusal_log.h"
#include "controller/store/state_store.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale {

// The largest ApplyApps request accepted, in encoded bytes (the manifest limit, 1 MiB).
inline constexpr size_t kMaxApplyBytes = size_t{1} << 20;

struct ControlPlaneOptions {
  std::string cluster = "default";
  std::string version;
  bool allow_host_network = false;
  int max_apps = 10000;        // apply refuses to make more apps than this
  std::string advertise_addr;  // this controller's address, the leader Version names
  // Every controller on the state store for ListControllers (this leader first).
  std::function<absl::StatusOr<std::vector<v1::ControllerInfo>>()> list_controllers;
};

// How calls are admitted: the request rate per connection and the token cache's timing.
// The limiter reads `rate_clock` (the real clock when null), not the controller's clock:
// it meters requests in wall time even when tests drive the controller with a FakeClock.
struct AdmissionOptions {
  RateLimit rate;
  Clock* rate_clock = nullptr;
  AuthorizerOptions auth;
};

// Who makes a call: its connection's peer (for the rate limit and the refusal log) and its
// `authorization` header.
struct Caller {
  std::string peer;
  std::optional<std::string> authorization;
};

// The Caller of a gRPC call: its peer and its `authorization` metadata.
Caller CallerOf(const grpc::ServerContext* context);

struct ControlPlaneDeps {
  Clock& clock;
  StateStore& store;
  AppTable& apps;
  DemandPoller& poller;
  Reconciler& reconciler;
  NodeRegistry& nodes;
  EventLog& events;
  RefusalLog& refusals;
};

class ControlPlaneService final : public v1::ControlPlane::Service {
 public:
  ControlPlaneService(ControlPlaneDeps deps, ControlPlaneOptions options,
                      const AdmissionOptions& admission = {});

  grpc::Status ApplyApps(grpc::ServerContext*, const v1::ApplyAppsRequest*,
                         v1::ApplyAppsResponse*) override;
  grpc::Status GetApps(grpc::ServerContext*, const v1::GetAppsRequest*,
                       v1::GetAppsResponse*) override;
  grpc::Status DescribeApp(grpc::ServerContext*, const v1::DescribeAppRequest*,
                           v1::DescribeAppResponse*) override;
  grpc::Status DeleteApp(grpc::ServerContext*, const v1::DeleteAppRequest*,
                         v1::DeleteAppResponse*) override;
  grpc::Status SetDemand(grpc::ServerContext*, const v1::SetDemandRequest*,
                         v1::SetDemandResponse*) override;
  grpc::Status DeleteNode(grpc::ServerContext*, const v1::DeleteNodeRequest*,
                          v1::DeleteNodeResponse*) override;
  grpc::Status GetNodes(grpc::ServerContext*, const v1::GetNodesRequest*,
                        v1::GetNodesResponse*) override;
  grpc::Status GetContainers(grpc::ServerContext*, const v1::GetContainersRequest*,
                             v1::GetContainersResponse*) override;
  grpc::Status Cordon(grpc::ServerContext*, const v1::CordonRequest*, v1::CordonResponse*) override;
  grpc::Status WatchEvents(grpc::ServerContext*, const v1::WatchEventsRequest*,
                           grpc::ServerWriter<v1::Event>*) override;
  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest*,
                       v1::VersionResponse*) override;
  grpc::Status ListControllers(grpc::ServerContext*, const v1::ListControllersRequest*,
                               v1::ListControllersResponse*) override;
  // One list; with `watch` the whole list again whenever it changes, until cancelled.
  grpc::Status ListEndpoints(grpc::ServerContext*, const v1::ListEndpointsRequest*,
                             grpc::ServerWriter<v1::EndpointList>*) override;

  // The same calls for callers that do not come over gRPC (the dashboard's HTTP API):
  // admitted by the same rules, answering the same messages.
  grpc::Status ApplyApps(const Caller& caller, const v1::ApplyAppsRequest& request,
                         v1::ApplyAppsResponse* response);
  grpc::Status GetApps(const Caller& caller, const v1::GetAppsRequest& request,
                       v1::GetAppsResponse* response);
  grpc::Status SetDemand(const Caller& caller, const v1::SetDemandRequest& request,
                         v1::SetDemandResponse* response);
  grpc::Status GetNodes(const Caller& caller, const v1::GetNodesRequest& request,
                        v1::GetNodesResponse* response);
  grpc::Status GetContainers(const Caller& caller, const v1::GetContainersRequest& request,
                             v1::GetContainersResponse* response);
  grpc::Status Cordon(const Caller& caller, const v1::CordonRequest& request,
                      v1::CordonResponse* response);
  // The endpoints now (`request.watch` is not looked at); NOT_FOUND for an unknown app.
  grpc::Status ListEndpoints(const Caller& caller, const v1::ListEndpointsRequest& request,
                             v1::EndpointList* response);
  // OK if the call may run: under its connection's rate and authorized for `method`.
  grpc::Status Admit(const Caller& caller, std::string_view method);
  // An app as GetApps shows it.
  v1::App AppMessage(const AppEntry& entry) const;

  // Makes the live tables match the store (at start-up).
  absl::Status LoadFromStore();

 private:
  // The endpoints of `app` (every app when empty) as they are now.
  v1::EndpointList EndpointsNow(const std::string& app) const;
  // Records a refused call in the RefusalLog and returns `status`.
  grpc::Status Refuse(const Caller& caller, std::string_view method, RefusalReason reason,
                      grpc::Status status);
  // RESOURCE_EXHAUSTED if applying `specs` would make more than max_apps apps.
  grpc::Status CheckAppLimit(const std::vector<AppSpec>& specs) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // INVALID_ARGUMENT if an app on host networking declares a port another such app (not
  // replaced by `specs`) declares: on one node the two would collide.
  grpc::Status CheckHostPorts(const std::vector<AppSpec>& specs) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  ControlPlaneDeps deps_;
  const ControlPlaneOptions options_;
  Authorizer authorizer_;
  PeerRateLimiter limiter_;
  absl::Mutex write_mu_;  // one write request at a time: store and tables change together
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTROL_PLANE_SERVICE_H_
