// ControlPlaneClient: the CLI's calls to the controller's ControlPlane service.
//
// Each unary call carries the CLI's --timeout as its deadline and turns the gRPC outcome
// into an absl::Status with the same code and the server's message. Every call, streams
// included, carries the metadata `authorization: Bearer <token>` when a token is given.
// It takes a
// StubInterface&, so tests can point it at an in-process server.
// Thread-safety: safe for concurrent use if the stub is (generated stubs are).
#ifndef MICROSCALE_CLI_CLIENT_H_
#define MICROSCALE_CLI_CLIENT_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale::cli {

class ControlPlaneClient {
 public:
  ControlPlaneClient(v1::ControlPlane::StubInterface& stub, absl::Duration timeout,
                     std::string token = "")
      : stub_(stub), timeout_(timeout), token_(std::move(token)) {}

  absl::StatusOr<v1::ApplyAppsResponse> ApplyApps(const v1::ApplyAppsRequest& request);
  absl::StatusOr<v1::GetAppsResponse> GetApps(const v1::GetAppsRequest& request);
  absl::StatusOr<v1::DescribeAppResponse> DescribeApp(const v1::DescribeAppRequest& request);
  absl::StatusOr<v1::DeleteAppResponse> DeleteApp(const v1::DeleteAppRequest& request);
  absl::StatusOr<v1::DeleteNodeResponse> DeleteNode(const v1::DeleteNodeRequest& request);
  absl::StatusOr<v1::SetDemandResponse> SetDemand(const v1::SetDemandRequest& request);
  absl::StatusOr<v1::GetNodesResponse> GetNodes(const v1::GetNodesRequest& request);
  absl::StatusOr<v1::GetContainersResponse> GetContainers(const v1::GetContainersRequest& request);
  absl::StatusOr<v1::CordonResponse> Cordon(const v1::CordonRequest& request);
  absl::StatusOr<v1::VersionResponse> Version();
  absl::StatusOr<v1::ListControllersResponse> ListControllers();

  // Calls `on_event` for each event the server sends until the stream ends. Without
  // `follow` the server sends recent events and ends the stream, and the deadline applies;
  // with it the stream is open-ended and has no deadline.
  absl::Status WatchEvents(bool follow, const std::function<void(const v1::Event&)>& on_event);

  // The endpoints of `app` (of every app when empty), within the deadline. An unknown app
  // is NOT_FOUND with the server's message.
  absl::StatusOr<v1::EndpointList> ListEndpoints(const std::string& app);
  // Calls `on_list` with the whole list of endpoints of `app` (every app when empty) at
  // once and again each time it changes, until the server ends the stream or it fails. The
  // stream has no deadline; an unknown app ends it with NOT_FOUND before any list.
  absl::Status WatchEndpoints(const std::string& app,
                              const std::function<void(const v1::EndpointList&)>& on_list);

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (v1::ControlPlane::StubInterface::*)(grpc::ClientContext*,
                                                                   const Request&, Response*);

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(Method<Request, Response> method, const Request& request);

  template <typename Request, typename Item>
  using StreamMethod = std::unique_ptr<grpc::ClientReaderInterface<Item>> (
      v1::ControlPlane::StubInterface::*)(grpc::ClientContext*, const Request&);

  // Calls `on_item` for each message of a server stream until it ends; `bounded`: the
  // whole stream within the call timeout (a follow or watch has none).
  template <typename Request, typename Item>
  absl::Status Stream(StreamMethod<Request, Item> method, const Request& request, bool bounded,
                      const std::function<void(const Item&)>& on_item);

  // Adds the token's metadata to a call about to be made.
  void Authorize(grpc::ClientContext& context) const;

  v1::ControlPlane::StubInterface& stub_;
  absl::Duration timeout_;
  std::string token_;
};

// The absl::Status of a gRPC outcome: same code, same message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_CLIENT_H_
