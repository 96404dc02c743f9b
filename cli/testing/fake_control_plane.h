// FakeControlPlane: a TEST DOUBLE of the controller's ControlPlane service, served by a
// real gRPC server on 127.0.0.1 (a free port), so the CLI's tests exercise the real client,
// channel and wire format against canned state.
//
// It keeps apps, nodes, containers, endpoints and events in memory, answers the way the
// contract says the controller does (NOT_FOUND for unknown names, FAILED_PRECONDITION for
// `demand set` on a non-static app), records what it was asked, and can be told to fail a
// method.
// It makes no decisions: status counts change only when a test changes them.
// Thread-safety: all methods are safe to call concurrently with RPCs being served.
#ifndef MICROSCALE_CLI_TESTING_FAKE_CONTROL_PLANE_H_
#define MICROSCALE_CLI_TESTING_FAKE_CONTROL_PLANE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale::cli::testing {

class FakeControlPlane final : public v1::ControlPlane::Service {
 public:
  // Canned state.
  void AddApp(const v1::App& app);
  void AddNode(const v1::Node& node);
  void AddContainer(const v1::Container& container);
  void AddEvent(const v1::Event& event);
  // Replaces the endpoints ListEndpoints lists (filtered by the request's app, which must
  // be an app added); every open watch stream is sent the new list.
  void SetEndpoints(const std::vector<v1::Endpoint>& endpoints);
  // Called with the apps (under the lock) before each GetApps answers, e.g. to let status
  // counts progress from one poll to the next.
  void OnGetApps(std::function<void(std::vector<v1::App>&)> hook);
  // Makes every call of `method` (e.g. "ApplyApps") fail with `status`.
  void FailMethod(const std::string& method, grpc::Status status);

  // Follow streams: sends `event` to every open one (and keeps it for later readers).
  void PublishEvent(const v1::Event& event);
  // Ends every open follow stream (events) and watch stream (endpoints) with OK.
  void CloseFollowStreams();
  int open_follow_streams() const;
  int open_endpoint_watches() const;

  // What was asked.
  int calls(const std::string& method) const;
  v1::ApplyAppsRequest last_apply() const;
  v1::CordonRequest last_cordon() const;
  v1::SetDemandRequest last_set_demand() const;
  v1::ListEndpointsRequest last_list_endpoints() const;
  // The `authorization` metadata of the last call ("" when it had none).
  std::string last_authorization() const;
  std::vector<v1::App> apps() const;

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
  grpc::Status ListEndpoints(grpc::ServerContext*, const v1::ListEndpointsRequest*,
                             grpc::ServerWriter<v1::EndpointList>*) override;
  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest*,
                       v1::VersionResponse*) override;

 private:
  // Counts the call and keeps its authorization header; returns the injected failure for
  // `method`, or OK.
  grpc::Status Enter(const grpc::ServerContext* context, const std::string& method)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::App* FindApp(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The endpoints of `app` (all when empty).
  v1::EndpointList EndpointsOf(const std::string& app) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<v1::App> apps_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Node> nodes_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Container> containers_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
  int endpoints_version_ ABSL_GUARDED_BY(mu_) = 0;  // counts SetEndpoints calls
  std::function<void(std::vector<v1::App>&)> on_get_apps_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, grpc::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  v1::ApplyAppsRequest last_apply_ ABSL_GUARDED_BY(mu_);
  v1::CordonRequest last_cordon_ ABSL_GUARDED_BY(mu_);
  v1::SetDemandRequest last_set_demand_ ABSL_GUARDED_BY(mu_);
  v1::ListEndpointsRequest last_list_endpoints_ ABSL_GUARDED_BY(mu_);
  std::string last_authorization_ ABSL_GUARDED_BY(mu_);
  int open_follow_streams_ ABSL_GUARDED_BY(mu_) = 0;
  int open_endpoint_watches_ ABSL_GUARDED_BY(mu_) = 0;
  bool close_follow_streams_ ABSL_GUARDED_BY(mu_) = false;
};

// A FakeControlPlane served on 127.0.0.1:<free port> for the lifetime of this object.
class FakeControlPlaneServer {
 public:
  FakeControlPlaneServer();
  ~FakeControlPlaneServer();
  FakeControlPlaneServer(const FakeControlPlaneServer&) = delete;
  FakeControlPlaneServer& operator=(const FakeControlPlaneServer&) = delete;

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  FakeControlPlane& service() { return service_; }

 private:
  FakeControlPlane service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace microscale::cli::testing

#endif  // MICROSCALE_CLI_TESTING_FAKE_CONTROL_PLANE_H_
