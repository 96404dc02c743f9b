#include "cli/client.h"

#include <chrono>
#include <memory>

#include "common/status_macros.h"

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

absl::StatusOr<v1::ListControllersResponse> ControlPlaneClient::ListControllers() {
  return Call(&v1::ControlPlane::StubInterface::ListControllers, v1::ListControllersRequest());
}

template <typename Request, typename Item>
absl::Status ControlPlaneClient::Stream(StreamMethod<Request, Item> method, const Request& request,
                                        bool bounded,
                                        const std::function<void(const Item&)>& on_item) {
  grpc::ClientContext context;
  if (bounded) SetDeadline(context, timeout_);
  Authorize(context);
  std::unique_ptr<grpc::ClientReaderInterface<Item>> reader = (stub_.*method)(&context, request);
  Item item;
  while (reader->Read(&item)) on_item(item);
  return FromGrpcStatus(reader->Finish());
}

absl::Status ControlPlaneClient::WatchEvents(
    bool follow, const std::function<void(const v1::Event&)>& on_event) {
  v1::WatchEventsRequest request;
  request.set_follow(follow);
  return Stream(&v1::ControlPlane::StubInterface::WatchEvents, request, /*bounded=*/!follow,
                on_event);
}

absl::StatusOr<v1::EndpointList> ControlPlaneClient::ListEndpoints(const std::string& app) {
  v1::ListEndpointsRequest request;
  request.set_app(app);
  v1::EndpointList list;
  const std::function<void(const v1::EndpointList&)> keep = [&](const v1::EndpointList& next) {
    list = next;
  };
  RETURN_IF_ERROR(
      Stream(&v1::ControlPlane::StubInterface::ListEndpoints, request, /*bounded=*/true, keep));
  return list;
}

absl::Status ControlPlaneClient::WatchEndpoints(
    const std::string& app, const std::function<void(const v1::EndpointList&)>& on_list) {
  v1::ListEndpointsRequest request;
  request.set_app(app);
  request.set_watch(true);
  return Stream(&v1::ControlPlane::StubInterface::ListEndpoints, request, /*bounded=*/false,
                on_list);
}

}  // namespace microscale::cli
