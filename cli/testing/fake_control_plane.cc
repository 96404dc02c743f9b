#include "cli/testing/fake_control_plane.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

namespace microscale::cli::testing {
namespace {

grpc::Status NotFound(const std::string& kind, const std::string& name) {
  return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(kind, " \"", name, "\" not found"));
}

struct FollowWake {
  const std::vector<v1::Event>* events;
  size_t sent;
  const bool* closed;
};

bool ShouldWake(FollowWake* wake) { return *wake->closed || wake->events->size() > wake->sent; }

struct WatchWake {
  const int* version;
  int sent;
  const bool* closed;
};

bool ShouldWakeWatch(WatchWake* wake) { return *wake->closed || *wake->version != wake->sent; }

}  // namespace

void FakeControlPlane::AddApp(const v1::App& app) {
  absl::MutexLock lock(&mu_);
  apps_.push_back(app);
}

void FakeControlPlane::AddNode(const v1::Node& node) {
  absl::MutexLock lock(&mu_);
  nodes_.push_back(node);
}

void FakeControlPlane::AddContainer(const v1::Container& container) {
  absl::MutexLock lock(&mu_);
  containers_.push_back(container);
}

void FakeControlPlane::AddEvent(const v1::Event& event) {
  absl::MutexLock lock(&mu_);
  events_.push_back(event);
}

void FakeControlPlane::SetEndpoints(const std::vector<v1::Endpoint>& endpoints) {
  absl::MutexLock lock(&mu_);
  endpoints_ = endpoints;
  ++endpoints_version_;
}

void FakeControlPlane::OnGetApps(std::function<void(std::vector<v1::App>&)> hook) {
  absl::MutexLock lock(&mu_);
  on_get_apps_ = std::move(hook);
}

void FakeControlPlane::FailMethod(const std::string& method, grpc::Status status) {
  absl::MutexLock lock(&mu_);
  failures_[method] = std::move(status);
}

void FakeControlPlane::PublishEvent(const v1::Event& event) {
  absl::MutexLock lock(&mu_);
  events_.push_back(event);
}

void FakeControlPlane::CloseFollowStreams() {
  absl::MutexLock lock(&mu_);
  close_follow_streams_ = true;
}

int FakeControlPlane::open_follow_streams() const {
  absl::MutexLock lock(&mu_);
  return open_follow_streams_;
}

int FakeControlPlane::calls(const std::string& method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

v1::ApplyAppsRequest FakeControlPlane::last_apply() const {
  absl::MutexLock lock(&mu_);
  return last_apply_;
}

v1::CordonRequest FakeControlPlane::last_cordon() const {
  absl::MutexLock lock(&mu_);
  return last_cordon_;
}

v1::SetDemandRequest FakeControlPlane::last_set_demand() const {
  absl::MutexLock lock(&mu_);
  return last_set_demand_;
}

int FakeControlPlane::open_endpoint_watches() const {
  absl::MutexLock lock(&mu_);
  return open_endpoint_watches_;
}

v1::ListEndpointsRequest FakeControlPlane::last_list_endpoints() const {
  absl::MutexLock lock(&mu_);
  return last_list_endpoints_;
}

std::string FakeControlPlane::last_authorization() const {
  absl::MutexLock lock(&mu_);
  return last_authorization_;
}

std::vector<v1::App> FakeControlPlane::apps() const {
  absl::MutexLock lock(&mu_);
  return apps_;
}

grpc::Status FakeControlPlane::Enter(const grpc::ServerContext* context,
                                     const std::string& method) {
  auto header = context->client_metadata().find("authorization");
  last_authorization_ = header == context->client_metadata().end()
                            ? ""
                            : std::string(header->second.data(), header->second.size());
  ++calls_[method];
  auto it = failures_.find(method);
  return it == failures_.end() ? grpc::Status::OK : it->second;
}

v1::App* FakeControlPlane::FindApp(const std::string& name) {
  for (v1::App& app : apps_) {
    if (app.spec().name() == name) return &app;
  }
  return nullptr;
}

v1::EndpointList FakeControlPlane::EndpointsOf(const std::string& app) const {
  v1::EndpointList list;
  for (const v1::Endpoint& endpoint : endpoints_) {
    if (app.empty() || endpoint.app() == app) *list.add_endpoints() = endpoint;
  }
  return list;
}

grpc::Status FakeControlPlane::ApplyApps(grpc::ServerContext* context,
                                         const v1::ApplyAppsRequest* request,
                                         v1::ApplyAppsResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "ApplyApps"); !failure.ok()) return failure;
  last_apply_ = *request;
  for (const v1::AppSpec& spec : request->apps()) {
    auto* change = response->add_changes();
    change->set_name(spec.name());
    v1::App* existing = FindApp(spec.name());
    if (existing == nullptr) {
      change->set_action("created");
      if (!request->dry_run()) *apps_.emplace_back().mutable_spec() = spec;
    } else if (google::protobuf::util::MessageDifferencer::Equals(existing->spec(), spec)) {
      change->set_action("unchanged");
    } else {
      change->set_action("configured");
      if (!request->dry_run()) *existing->mutable_spec() = spec;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::GetApps(grpc::ServerContext* context,
                                       const v1::GetAppsRequest* request,
                                       v1::GetAppsResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "GetApps"); !failure.ok()) return failure;
  if (on_get_apps_) on_get_apps_(apps_);
  for (const v1::App& app : apps_) {
    if (request->name().empty() || app.spec().name() == request->name()) {
      *response->add_apps() = app;
    }
  }
  if (!request->name().empty() && response->apps().empty()) return NotFound("app", request->name());
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::DescribeApp(grpc::ServerContext* context,
                                           const v1::DescribeAppRequest* request,
                                           v1::DescribeAppResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "DescribeApp"); !failure.ok()) return failure;
  const v1::App* app = FindApp(request->name());
  if (app == nullptr) return NotFound("app", request->name());
  *response->mutable_app() = *app;
  for (const v1::Container& container : containers_) {
    if (container.app() == request->name()) *response->add_containers() = container;
  }
  for (const v1::Event& event : events_) {
    if (event.object() == absl::StrCat("app/", request->name())) *response->add_events() = event;
  }
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::DeleteApp(grpc::ServerContext* context,
                                         const v1::DeleteAppRequest* request,
                                         v1::DeleteAppResponse*) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "DeleteApp"); !failure.ok()) return failure;
  for (auto it = apps_.begin(); it != apps_.end(); ++it) {
    if (it->spec().name() == request->name()) {
      apps_.erase(it);
      return grpc::Status::OK;
    }
  }
  return NotFound("app", request->name());
}

grpc::Status FakeControlPlane::SetDemand(grpc::ServerContext* context,
                                         const v1::SetDemandRequest* request,
                                         v1::SetDemandResponse*) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "SetDemand"); !failure.ok()) return failure;
  last_set_demand_ = *request;
  v1::App* app = FindApp(request->app());
  if (app == nullptr) return NotFound("app", request->app());
  if (app->spec().demand().source() != "static") {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("app \"", request->app(), "\" reads its demand from source ",
                     app->spec().demand().source(), "; demand set works only for source static"));
  }
  app->mutable_spec()->mutable_demand()->set_value(request->value());
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::GetNodes(grpc::ServerContext* context,
                                        const v1::GetNodesRequest* request,
                                        v1::GetNodesResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "GetNodes"); !failure.ok()) return failure;
  for (const v1::Node& node : nodes_) {
    if (request->name().empty() || node.name() == request->name()) *response->add_nodes() = node;
  }
  if (!request->name().empty() && response->nodes().empty()) {
    return NotFound("node", request->name());
  }
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::GetContainers(grpc::ServerContext* context,
                                             const v1::GetContainersRequest* request,
                                             v1::GetContainersResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "GetContainers"); !failure.ok()) return failure;
  for (const v1::Container& container : containers_) {
    if ((request->app().empty() || container.app() == request->app()) &&
        (request->node().empty() || container.node() == request->node())) {
      *response->add_containers() = container;
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::Cordon(grpc::ServerContext* context,
                                      const v1::CordonRequest* request, v1::CordonResponse*) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "Cordon"); !failure.ok()) return failure;
  last_cordon_ = *request;
  for (v1::Node& node : nodes_) {
    if (node.name() == request->node()) {
      node.set_state(request->cordon() ? "Cordoned" : "Ready");
      return grpc::Status::OK;
    }
  }
  return NotFound("node", request->node());
}

grpc::Status FakeControlPlane::WatchEvents(grpc::ServerContext* context,
                                           const v1::WatchEventsRequest* request,
                                           grpc::ServerWriter<v1::Event>* writer) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "WatchEvents"); !failure.ok()) return failure;
  size_t sent = 0;
  for (; sent < events_.size(); ++sent) writer->Write(events_[sent]);
  if (!request->follow()) return grpc::Status::OK;
  ++open_follow_streams_;
  while (true) {
    for (; sent < events_.size(); ++sent) writer->Write(events_[sent]);
    if (close_follow_streams_ || context->IsCancelled()) break;
    FollowWake wake{&events_, sent, &close_follow_streams_};
    // Wakes for a new event or the close; the timeout lets a cancelled client be noticed.
    mu_.AwaitWithTimeout(absl::Condition(&ShouldWake, &wake), absl::Milliseconds(50));
  }
  --open_follow_streams_;
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::ListEndpoints(grpc::ServerContext* context,
                                             const v1::ListEndpointsRequest* request,
                                             grpc::ServerWriter<v1::EndpointList>* writer) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "ListEndpoints"); !failure.ok()) return failure;
  last_list_endpoints_ = *request;
  if (!request->app().empty() && FindApp(request->app()) == nullptr) {
    return NotFound("app", request->app());
  }
  int sent = endpoints_version_;
  writer->Write(EndpointsOf(request->app()));
  if (!request->watch()) return grpc::Status::OK;
  ++open_endpoint_watches_;
  while (true) {
    if (endpoints_version_ != sent) {
      sent = endpoints_version_;
      if (!writer->Write(EndpointsOf(request->app()))) break;
    }
    if (close_follow_streams_ || context->IsCancelled()) break;
    WatchWake wake{&endpoints_version_, sent, &close_follow_streams_};
    // Wakes for a new list or the close; the timeout lets a cancelled client be noticed.
    mu_.AwaitWithTimeout(absl::Condition(&ShouldWakeWatch, &wake), absl::Milliseconds(50));
  }
  --open_endpoint_watches_;
  return grpc::Status::OK;
}

grpc::Status FakeControlPlane::Version(grpc::ServerContext* context, const v1::VersionRequest*,
                                       v1::VersionResponse* response) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status failure = Enter(context, "Version"); !failure.ok()) return failure;
  response->set_version("9.9.9-fake");
  response->set_cluster("fake-cluster");
  return grpc::Status::OK;
}

FakeControlPlaneServer::FakeControlPlaneServer() {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  address_ = absl::StrCat("127.0.0.1:", port);
}

FakeControlPlaneServer::~FakeControlPlaneServer() {
  service_.CloseFollowStreams();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace microscale::cli::testing
