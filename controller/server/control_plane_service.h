// ControlPlaneService: the API microscalectl drives (microscale.v1.ControlPlane).
//
// Each handler validates its request (INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION
// with a message naming the field), writes through the StateStore first, then updates the
// live tables and wakes the reconciler, so nothing is half-applied when a write fails.
// Thread-safety: gRPC calls handlers concurrently; writes are serialized by a mutex.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTROL_PLANE_SERVICE_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTROL_PLANE_SERVICE_H_

#include <string>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/demand/demand_poller.h"
#include "controller/server/app_table.h"
#include "controller/server/event_log.h"
#include "controller/server/node_registry.h"
#include "controller/server/reconciler.h"
#include "controller/store/state_store.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale {

struct ControlPlaneOptions {
  std::string cluster = "default";
  std::string version;
  bool allow_host_network = false;
};

struct ControlPlaneDeps {
  Clock& clock;
  StateStore& store;
  AppTable& apps;
  DemandPoller& poller;
  Reconciler& reconciler;
  NodeRegistry& nodes;
  EventLog& events;
};

class ControlPlaneService final : public v1::ControlPlane::Service {
 public:
  ControlPlaneService(ControlPlaneDeps deps, ControlPlaneOptions options);

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
  grpc::Status GetNodes(grpc::ServerContext*, const v1::GetNodesRequest*,
                        v1::GetNodesResponse*) override;
  grpc::Status GetContainers(grpc::ServerContext*, const v1::GetContainersRequest*,
                             v1::GetContainersResponse*) override;
  grpc::Status Cordon(grpc::ServerContext*, const v1::CordonRequest*, v1::CordonResponse*) override;
  grpc::Status WatchEvents(grpc::ServerContext*, const v1::WatchEventsRequest*,
                           grpc::ServerWriter<v1::Event>*) override;
  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest*,
                       v1::VersionResponse*) override;

  // Makes the live tables match the store (at start-up).
  absl::Status LoadFromStore();

 private:
  void RefreshPoller();
  v1::App AppMessage(const AppEntry& entry) const;

  ControlPlaneDeps deps_;
  const ControlPlaneOptions options_;
  absl::Mutex write_mu_;  // one write request at a time: store and tables change together
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTROL_PLANE_SERVICE_H_
