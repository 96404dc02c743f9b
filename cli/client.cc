#include "cli/client.h"

#include <chrono>
#include <memory>

namespace microscale::cli {
namespace {

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

void ControlPlaneClient::Authorize(grpc::ClientContext& context) const {
  if (!token_.empty()) context.AddMetadata("authorization", "Bearer " + token_);
}

template <typename Request, typename Response>
absl::StatusOr<Response> ControlPlaneClient::Call(Method<Request, Response> method,
                                                  const Request& request) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  Authorize(context);
  Response response;
  grpc::Status status = (stub_.*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::ApplyAppsResponse> ControlPlaneClient::ApplyApps(
    const v1::ApplyAppsRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::ApplyApps, request);
}

absl::StatusOr<v1::GetAppsResponse> ControlPlaneClient::GetApps(const v1::GetAppsRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::GetApps, request);
}

absl::StatusOr<v1::DescribeAppResponse> ControlPlaneClient::DescribeApp(
    const v1::DescribeAppRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::DescribeApp, request);
}

absl::StatusOr<v1::DeleteAppResponse> ControlPlaneClient::DeleteApp(
    const v1::DeleteAppRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::DeleteApp, request);
}

absl::StatusOr<v1::DeleteNodeResponse> ControlPlaneClient::DeleteNode(
    const v1::DeleteNodeRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::DeleteNode, request);
}

absl::StatusOr<v1::SetDemandResponse> ControlPlaneClient::SetDemand(
    const v1::SetDemandRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::SetDemand, request);
}

absl::StatusOr<v1::GetNodesResponse> ControlPlaneClient::GetNodes(
    const v1::GetNodesRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::GetNodes, request);
}

absl::StatusOr<v1::GetContainersResponse> ControlPlaneClient::GetContainers(
    const v1::GetContainersRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::GetContainers, request);
}

absl::StatusOr<v1::CordonResponse> ControlPlaneClient::Cordon(const v1::CordonRequest& request) {
  return Call(&v1::ControlPlane::StubInterface::Cordon, request);
}

absl::StatusOr<v1::VersionResponse> ControlPlaneClient::Version() {
  return Call(&v1::ControlPlane::StubInterface::Version, v1::VersionRequest());
}

absl::Status ControlPlaneClient::WatchEvents(
    bool follow, const std::function<void(const v1::Event&)>& on_event) {
  grpc::ClientContext context;
  if (!follow) SetDeadline(context, timeout_);
  Authorize(context);
  v1::WatchEventsRequest request;
  request.set_follow(follow);
  std::unique_ptr<grpc::ClientReaderInterface<v1::Event>> reader =
      stub_.WatchEvents(&context, request);
  v1::Event event;
  while (reader->Read(&event)) on_event(event);
  return FromGrpcStatus(reader->Finish());
}

absl::StatusOr<v1::EndpointList> ControlPlaneClient::ListEndpoints(const std::string& app) {
  v1::EndpointList list;
  absl::Status status =
      StreamEndpoints(app, /*watch=*/false, [&](const v1::EndpointList& next) { list = next; });
  if (!status.ok()) return status;
  return list;
}

absl::Status ControlPlaneClient::WatchEndpoints(
    const std::string& app, const std::function<void(const v1::EndpointList&)>& on_list) {
  return StreamEndpoints(app, /*watch=*/true, on_list);
}

absl::Status ControlPlaneClient::StreamEndpoints(
    const std::string& app, bool watch,
    const std::function<void(const v1::EndpointList&)>& on_list) {
  grpc::ClientContext context;
  if (!watch) SetDeadline(context, timeout_);
  Authorize(context);
  v1::ListEndpointsRequest request;
  request.set_app(app);
  request.set_watch(watch);
  std::unique_ptr<grpc::ClientReaderInterface<v1::EndpointList>> reader =
      stub_.ListEndpoints(&context, request);
  v1::EndpointList list;
  while (reader->Read(&list)) on_list(list);
  return FromGrpcStatus(reader->Finish());
}

}  // namespace microscale::cli
