#include "controller/server/control_plane_service.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/manifest/app_proto.h"
#include "controller/server/endpoints.h"
#include "controller/server/grpc_status.h"
#include "controller/server/node_figures.h"
#include "google/protobuf/util/message_differencer.h"

namespace microscale {
namespace {

grpc::Status Error(grpc::StatusCode code, const std::string& message) {
  return grpc::Status(code, message);
}

grpc::Status NotFound(const char* kind, const std::string& name) {
  return Error(grpc::StatusCode::NOT_FOUND, absl::StrCat(kind, " \"", name, "\" not found"));
}

}  // namespace

Caller CallerOf(const grpc::ServerContext* context) {
  Caller caller;
  caller.peer = context->peer();
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    caller.authorization = std::string(it->second.data(), it->second.size());
  }
  return caller;
}

ControlPlaneService::ControlPlaneService(ControlPlaneDeps deps, ControlPlaneOptions options,
                                         const AdmissionOptions& admission)
    : deps_(deps),
      options_(std::move(options)),
      authorizer_(deps.store, deps.clock, admission.auth),
      limiter_(admission.rate_clock != nullptr ? *admission.rate_clock : RealClock::Get(),
               admission.rate) {}

grpc::Status ControlPlaneService::Admit(const Caller& caller, std::string_view method) {
  if (!limiter_.Admit(caller.peer)) {
    return Refuse(caller, method, RefusalReason::kRateLimited,
                  Error(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("rate limit: at most ", limiter_.limit().per_second,
                                     " requests per second per connection (bursts of ",
                                     limiter_.limit().burst, "); slow down and retry")));
  }
  std::optional<std::string_view> authorization;
  if (caller.authorization) authorization = *caller.authorization;
  absl::Status checked = authorizer_.Check(authorization, method);
  if (absl::IsUnauthenticated(checked)) {
    return Refuse(caller, method, RefusalReason::kUnauthenticated, ToGrpcStatus(checked));
  }
  if (absl::IsPermissionDenied(checked)) {
    return Refuse(caller, method, RefusalReason::kDenied, ToGrpcStatus(checked));
  }
  return ToGrpcStatus(checked);
}

grpc::Status ControlPlaneService::Refuse(const Caller& caller, std::string_view method,
                                         RefusalReason reason, grpc::Status status) {
  deps_.refusals.Record(reason, method, caller.peer, status.error_message());
  return status;
}

grpc::Status ControlPlaneService::CheckAppLimit(const std::vector<AppSpec>& specs) const {
  size_t total = deps_.apps.Size();
  for (const AppSpec& spec : specs) {
    if (!deps_.apps.Contains(spec.name)) ++total;
  }
  if (total <= static_cast<size_t>(options_.max_apps)) return grpc::Status::OK;
  return Error(grpc::StatusCode::RESOURCE_EXHAUSTED,
               absl::StrCat("app limit: this apply would make ", total,
                            " apps; the controller holds at most ", options_.max_apps,
                            " (--max-apps). Nothing was applied."));
}

grpc::Status ControlPlaneService::CheckHostPorts(const std::vector<AppSpec>& specs) const {
  if (std::none_of(specs.begin(), specs.end(), HoldsHostPorts)) return grpc::Status::OK;
  std::set<std::string> applied;
  for (const AppSpec& spec : specs) applied.insert(spec.name);
  std::map<int32_t, std::string> owner;  // host port -> the app using it
  for (const AppEntry& entry : deps_.apps.List()) {
    if (applied.contains(entry.spec.name) || !HoldsHostPorts(entry.spec)) continue;
    for (const PortSpec& port : entry.spec.ports)
      owner.emplace(port.container_port, entry.spec.name);
  }
  std::string message;
  for (const AppSpec& spec : specs) {
    if (!HoldsHostPorts(spec)) continue;
    for (size_t i = 0; i < spec.ports.size(); ++i) {
      auto [it, added] = owner.emplace(spec.ports[i].container_port, spec.name);
      if (added || it->second == spec.name) continue;
      absl::StrAppend(&message, message.empty() ? "" : "\n", "app ", spec.name, ": spec.ports[", i,
                      "].containerPort: host port ", it->first, " is already used by app ",
                      it->second,
                      " on host networking, and both could land on one node: choose another "
                      "port, or network bridge. Nothing was applied.");
    }
  }
  if (message.empty()) return grpc::Status::OK;
  return Error(grpc::StatusCode::INVALID_ARGUMENT, message);
}

absl::Status ControlPlaneService::LoadFromStore() {
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<std::vector<StoredApp>> stored = deps_.store.ListApps();
  if (!stored.ok()) return stored.status();
  const absl::Time now = deps_.clock.Now();
  for (const StoredApp& app : *stored) {
    absl::StatusOr<AppSpec> spec = AppFromProto(app.spec);
    if (!spec.ok()) {
      LogError("stored app no longer valid; skipped",
               {{"app", app.spec.name()}, {"error", spec.status()}});
      continue;
    }
    deps_.apps.Upsert(*spec, app.created, now);
  }
  // The values given to `demand set` are the static sources' values from their first read:
  // the poller starts them there, so it never reads the manifest's value first (it once
  // did, in a race with setting them afterwards, and a restart scaled down for a moment).
  // The sources keep the manifests' specs: a later apply that leaves a spec alone keeps
  // the value.
  absl::StatusOr<std::map<std::string, double>> demands = deps_.store.GetStaticDemands();
  if (!demands.ok()) return demands.status();
  std::vector<AppSpec> specs;
  for (const AppEntry& entry : deps_.apps.List()) specs.push_back(entry.spec);
  deps_.poller.UpdateApps(specs, *demands);
  return absl::OkStatus();
}

grpc::Status ControlPlaneService::ApplyApps(grpc::ServerContext* context,
                                            const v1::ApplyAppsRequest* request,
                                            v1::ApplyAppsResponse* response) {
  return ApplyApps(CallerOf(context), *request, response);
}

grpc::Status ControlPlaneService::ApplyApps(const Caller& caller,
                                            const v1::ApplyAppsRequest& request,
                                            v1::ApplyAppsResponse* response) {
  if (grpc::Status s = Admit(caller, "ApplyApps"); !s.ok()) return s;
  if (size_t bytes = request.ByteSizeLong(); bytes > kMaxApplyBytes) {
    return Refuse(
        caller, "ApplyApps", RefusalReason::kTooLarge,
        Error(grpc::StatusCode::RESOURCE_EXHAUSTED,
              absl::StrCat("apply request is ", bytes, " bytes; the limit is ", kMaxApplyBytes,
                           " bytes (1 MiB): apply the manifests in smaller parts. Nothing was "
                           "applied.")));
  }
  if (request.apps_size() == 0) {
    return Error(grpc::StatusCode::INVALID_ARGUMENT, "apps: at least one app is required");
  }
  std::vector<AppSpec> specs;
  specs.reserve(static_cast<size_t>(request.apps_size()));
  std::vector<std::string> errors;
  std::set<std::string> names;
  for (const v1::AppSpec& proto : request.apps()) {
    absl::StatusOr<AppSpec> spec = AppFromProto(proto);
    if (!spec.ok()) {
      errors.emplace_back(spec.status().message());
      continue;
    }
    if (!names.insert(spec->name).second) {
      errors.push_back(absl::StrCat("app ", spec->name, ": metadata.name: given twice"));
    }
    if (spec->network == NetworkMode::kHost && !options_.allow_host_network) {
      errors.push_back(absl::StrCat("app ", spec->name,
                                    ": spec.network: host networking is refused unless the "
                                    "controller runs with --allow-host-network"));
    }
    specs.push_back(*std::move(spec));
  }
  if (!errors.empty()) {
    std::string message;
    for (const std::string& e : errors) absl::StrAppend(&message, message.empty() ? "" : "\n", e);
    return Error(grpc::StatusCode::INVALID_ARGUMENT, message);
  }
  absl::MutexLock lock(&write_mu_);
  if (grpc::Status s = CheckAppLimit(specs); !s.ok()) return s;
  if (grpc::Status s = CheckHostPorts(specs); !s.ok()) return s;
  if (request.dry_run()) {
    for (const AppSpec& spec : specs) {
      std::optional<AppEntry> existing = deps_.apps.Get(spec.name);
      auto* change = response->add_changes();
      change->set_name(spec.name);
      change->set_action(!existing                ? "created"
                         : existing->spec == spec ? "unchanged"
                                                  : "configured");
    }
    return grpc::Status::OK;
  }
  std::vector<v1::AppSpec> protos;
  protos.reserve(specs.size());
  for (const AppSpec& spec : specs) protos.push_back(AppToProto(spec));
  absl::StatusOr<std::vector<AppChange>> changes = deps_.store.ApplyApps(protos);
  if (!changes.ok()) return ToGrpcStatus(changes.status());
  const absl::Time now = deps_.clock.Now();
  std::vector<AppSpec> changed;
  for (size_t i = 0; i < specs.size(); ++i) {
    const AppChange& change = (*changes)[i];
    auto* out = response->add_changes();
    out->set_name(change.name);
    out->set_action(ApplyActionName(change.action));
    if (change.action == ApplyAction::kUnchanged) continue;
    // A changed demand spec starts from the manifest's value again: the store forgot the
    // app's static value, and the poller makes a new source from the spec.
    deps_.apps.Upsert(specs[i], now, now);
    deps_.events.Add(now, change.action == ApplyAction::kCreated ? "Created" : "Configured",
                     "app/" + change.name, absl::StrCat("generation ", change.generation));
    changed.push_back(std::move(specs[i]));
  }
  deps_.poller.ChangeApps(changed, {});
  deps_.reconciler.MarkDirty();
  return grpc::Status::OK;
}

v1::App ControlPlaneService::AppMessage(const AppEntry& entry) const {
  v1::App app;
  *app.mutable_spec() = AppToProto(entry.spec);
  *app.mutable_status() = StatusOf(entry);
  app.set_created_unix_ms(absl::ToUnixMillis(entry.created));
  return app;
}

grpc::Status ControlPlaneService::GetApps(grpc::ServerContext* context,
                                          const v1::GetAppsRequest* request,
                                          v1::GetAppsResponse* response) {
  return GetApps(CallerOf(context), *request, response);
}

grpc::Status ControlPlaneService::GetApps(const Caller& caller, const v1::GetAppsRequest& request,
                                          v1::GetAppsResponse* response) {
  if (grpc::Status s = Admit(caller, "GetApps"); !s.ok()) return s;
  if (!request.name().empty()) {
    std::optional<AppEntry> entry = deps_.apps.Get(request.name());
    if (!entry) return NotFound("app", request.name());
    *response->add_apps() = AppMessage(*entry);
    return grpc::Status::OK;
  }
  for (const AppEntry& entry : deps_.apps.List()) *response->add_apps() = AppMessage(entry);
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::DescribeApp(grpc::ServerContext* context,
                                              const v1::DescribeAppRequest* request,
                                              v1::DescribeAppResponse* response) {
  if (grpc::Status s = Admit(CallerOf(context), "DescribeApp"); !s.ok()) return s;
  std::optional<AppEntry> entry = deps_.apps.Get(request->name());
  if (!entry) return NotFound("app", request->name());
  *response->mutable_app() = AppMessage(*entry);
  for (const NodeView& node : deps_.nodes.Snapshot(deps_.clock.Now())) {
    for (const auto& [instance, container] : node.containers) {
      if (container.app() == request->name()) *response->add_containers() = container;
    }
  }
  for (const v1::Event& event : deps_.events.About("app/" + request->name(), 20)) {
    *response->add_events() = event;
  }
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::DeleteApp(grpc::ServerContext* context,
                                            const v1::DeleteAppRequest* request,
                                            v1::DeleteAppResponse*) {
  if (grpc::Status s = Admit(CallerOf(context), "DeleteApp"); !s.ok()) return s;
  absl::MutexLock lock(&write_mu_);
  if (absl::Status s = deps_.store.DeleteApp(request->name()); !s.ok()) {
    if (s.code() == absl::StatusCode::kNotFound) return NotFound("app", request->name());
    return ToGrpcStatus(s);
  }
  deps_.apps.Remove(request->name());
  deps_.poller.ChangeApps({}, {request->name()});
  deps_.events.Add(deps_.clock.Now(), "Deleted", "app/" + request->name(),
                   "app deleted; its containers are being stopped");
  deps_.reconciler.MarkDirty();
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::SetDemand(grpc::ServerContext* context,
                                            const v1::SetDemandRequest* request,
                                            v1::SetDemandResponse* response) {
  return SetDemand(CallerOf(context), *request, response);
}

grpc::Status ControlPlaneService::SetDemand(const Caller& caller,
                                            const v1::SetDemandRequest& request,
                                            v1::SetDemandResponse*) {
  if (grpc::Status s = Admit(caller, "SetDemand"); !s.ok()) return s;
  if (!std::isfinite(request.value()) || request.value() < 0) {
    return Error(grpc::StatusCode::INVALID_ARGUMENT, "value: must be a finite number >= 0");
  }
  absl::MutexLock lock(&write_mu_);
  std::optional<AppEntry> entry = deps_.apps.Get(request.app());
  if (!entry) return NotFound("app", request.app());
  if (entry->spec.demand.source != DemandSourceKind::kStatic) {
    return Error(grpc::StatusCode::FAILED_PRECONDITION,
                 absl::StrCat("app \"", request.app(), "\" reads its demand from source \"",
                              DemandSourceName(entry->spec.demand.source),
                              "\"; only apps with source \"static\" take `demand set`"));
  }
  if (absl::Status s = deps_.store.SetStaticDemand(request.app(), request.value()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (absl::Status s = deps_.poller.SetStaticValue(request.app(), request.value()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::GetNodes(grpc::ServerContext* context,
                                           const v1::GetNodesRequest* request,
                                           v1::GetNodesResponse* response) {
  return GetNodes(CallerOf(context), *request, response);
}

grpc::Status ControlPlaneService::GetNodes(const Caller& caller, const v1::GetNodesRequest& request,
                                           v1::GetNodesResponse* response) {
  if (grpc::Status s = Admit(caller, "GetNodes"); !s.ok()) return s;
  const absl::Time now = deps_.clock.Now();
  const std::vector<AppEntry> apps = deps_.apps.List();
  const AppSpecIndex specs = IndexSpecs(apps);  // once: a map per node cost seconds at scale
  bool found = false;
  for (const NodeView& node : deps_.nodes.Snapshot(now)) {
    if (!request.name().empty() && node.name != request.name()) continue;
    found = true;
    v1::Node* out = response->add_nodes();
    *out = NodeMessage(node, specs);
    out->set_draining(deps_.reconciler.IsDraining(node.name));
  }
  if (!request.name().empty() && !found) return NotFound("node", request.name());
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::GetContainers(grpc::ServerContext* context,
                                                const v1::GetContainersRequest* request,
                                                v1::GetContainersResponse* response) {
  return GetContainers(CallerOf(context), *request, response);
}

grpc::Status ControlPlaneService::GetContainers(const Caller& caller,
                                                const v1::GetContainersRequest& request,
                                                v1::GetContainersResponse* response) {
  if (grpc::Status s = Admit(caller, "GetContainers"); !s.ok()) return s;
  for (const NodeView& node : deps_.nodes.Snapshot(deps_.clock.Now())) {
    if (!request.node().empty() && node.name != request.node()) continue;
    for (const auto& [instance, container] : node.containers) {
      if (!request.app().empty() && container.app() != request.app()) continue;
      v1::Container* out = response->add_containers();
      *out = container;
      out->set_node(node.name);
      out->set_standby(deps_.reconciler.IsStandby(instance));
    }
  }
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::Cordon(grpc::ServerContext* context,
                                         const v1::CordonRequest* request,
                                         v1::CordonResponse* response) {
  return Cordon(CallerOf(context), *request, response);
}

grpc::Status ControlPlaneService::Cordon(const Caller& caller, const v1::CordonRequest& request,
                                         v1::CordonResponse*) {
  if (grpc::Status s = Admit(caller, "Cordon"); !s.ok()) return s;
  absl::MutexLock lock(&write_mu_);
  if (!deps_.nodes.Get(request.node(), deps_.clock.Now())) {
    return NotFound("node", request.node());
  }
  if (absl::Status s = deps_.store.SetCordon(request.node(), request.cordon(),
                                             request.cordon() && request.drain());
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::set<std::string>> cordons = deps_.store.ListCordons();
  if (!cordons.ok()) return ToGrpcStatus(cordons.status());
  deps_.nodes.SetCordons(*cordons);
  deps_.reconciler.SetDraining(request.node(), request.cordon() && request.drain());
  const char* kind = !request.cordon() ? "Uncordoned" : request.drain() ? "Draining" : "Cordoned";
  deps_.events.Add(deps_.clock.Now(), kind, "node/" + request.node(),
                   !request.cordon() ? "new containers may be placed here again"
                   : request.drain() ? "containers are moved to other nodes"
                                     : "new containers are not placed here");
  deps_.reconciler.MarkDirty();
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::DeleteNode(grpc::ServerContext* context,
                                             const v1::DeleteNodeRequest* request,
                                             v1::DeleteNodeResponse* response) {
  if (grpc::Status s = Admit(CallerOf(context), "DeleteNode"); !s.ok()) return s;
  if (request->name().empty()) {
    return Error(grpc::StatusCode::INVALID_ARGUMENT, "name: the node to delete is required");
  }
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<int> forgotten =
      deps_.reconciler.ForgetNode(request->name(), "deleted by an operator");
  if (!forgotten.ok()) return ToGrpcStatus(forgotten.status());
  response->set_forgotten_instances(*forgotten);
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::WatchEvents(grpc::ServerContext* context,
                                              const v1::WatchEventsRequest* request,
                                              grpc::ServerWriter<v1::Event>* writer) {
  if (grpc::Status s = Admit(CallerOf(context), "WatchEvents"); !s.ok()) return s;
  uint64_t next = 0;
  while (true) {
    for (const v1::Event& event : deps_.events.Since(next, &next)) {
      if (!writer->Write(event)) return grpc::Status::OK;
    }
    if (!request->follow() || context->IsCancelled()) return grpc::Status::OK;
    deps_.events.WaitFor(next, absl::Now() + absl::Seconds(1));
  }
}

grpc::Status ControlPlaneService::ListEndpoints(const Caller& caller,
                                                const v1::ListEndpointsRequest& request,
                                                v1::EndpointList* response) {
  if (grpc::Status s = Admit(caller, "ListEndpoints"); !s.ok()) return s;
  if (!request.app().empty() && !deps_.apps.Get(request.app()))
    return NotFound("app", request.app());
  *response = EndpointsNow(request.app());
  return grpc::Status::OK;
}

v1::EndpointList ControlPlaneService::EndpointsNow(const std::string& app) const {
  // Leaving first: a stop sent after this read is of a container the registry still lists,
  // and is left out by the next list; never the other way round.
  const std::set<std::string> leaving = deps_.reconciler.Leaving();
  const std::vector<AppEntry> apps = deps_.apps.List();
  v1::EndpointList list;
  for (v1::Endpoint& e :
       BuildEndpoints(deps_.nodes.Snapshot(deps_.clock.Now()), IndexSpecs(apps), leaving, app)) {
    *list.add_endpoints() = std::move(e);
  }
  return list;
}

grpc::Status ControlPlaneService::ListEndpoints(grpc::ServerContext* context,
                                                const v1::ListEndpointsRequest* request,
                                                grpc::ServerWriter<v1::EndpointList>* writer) {
  v1::EndpointList last;
  if (grpc::Status s = ListEndpoints(CallerOf(context), *request, &last); !s.ok()) return s;
  if (!writer->Write(last) || !request->watch()) return grpc::Status::OK;
  // Rebuilt when what nodes run or the commands in flight moved (checked every 50 ms), and
  // at least every second for health that changes with time alone; sent when different.
  uint64_t version = deps_.nodes.Version();
  std::set<std::string> leaving = deps_.reconciler.Leaving();
  absl::Time built = absl::Now();
  while (!context->IsCancelled()) {
    absl::SleepFor(absl::Milliseconds(50));
    const uint64_t now_version = deps_.nodes.Version();
    std::set<std::string> now_leaving = deps_.reconciler.Leaving();
    if (now_version == version && now_leaving == leaving &&
        absl::Now() - built < absl::Seconds(1)) {
      continue;
    }
    version = now_version;
    leaving = std::move(now_leaving);
    built = absl::Now();
    v1::EndpointList list = EndpointsNow(request->app());
    if (google::protobuf::util::MessageDifferencer::Equals(list, last)) continue;
    if (!writer->Write(list)) return grpc::Status::OK;
    last = std::move(list);
  }
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::Version(grpc::ServerContext* context, const v1::VersionRequest*,
                                          v1::VersionResponse* response) {
  if (grpc::Status s = Admit(CallerOf(context), "Version"); !s.ok()) return s;
  response->set_version(options_.version);
  response->set_cluster(options_.cluster);
  response->set_role(v1::LEADER);
  response->set_leader(options_.advertise_addr);
  return grpc::Status::OK;
}

grpc::Status ControlPlaneService::ListControllers(grpc::ServerContext* context,
                                                  const v1::ListControllersRequest*,
                                                  v1::ListControllersResponse* response) {
  if (grpc::Status s = Admit(CallerOf(context), "ListControllers"); !s.ok()) return s;
  if (!options_.list_controllers) {
    v1::ControllerInfo* self = response->add_controllers();
    self->set_address(options_.advertise_addr);
    self->set_role(v1::LEADER);
    return grpc::Status::OK;
  }
  absl::StatusOr<std::vector<v1::ControllerInfo>> controllers = options_.list_controllers();
  if (!controllers.ok()) return ToGrpcStatus(controllers.status());
  for (v1::ControllerInfo& info : *controllers) *response->add_controllers() = std::move(info);
  return grpc::Status::OK;
}

}  // namespace microscale
