#include "controller/server/standby_server.h"

#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/http/http_server.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/tls/tls_credentials.h"
#include "controller/server/authorizer.h"
#include "controller/server/control_plane_service.h"
#include "controller/server/controller_metrics.h"
#include "controller/server/controller_roster.h"
#include "controller/server/grpc_status.h"
#include "controller/server/listen.h"
#include "controller/store/etcd_state_store.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale {
namespace {

// Trailing metadata of a refused write or agent stream: the leader's address.
constexpr char kLeaderMetadata[] = "microscale-leader";

// What the standby knows and shares between its two services: etcd, the leader, and a
// channel to it.
class Standby {
 public:
  Standby(const ControllerConfig& config, std::string version, std::shared_ptr<EtcdClient> etcd)
      : config_(config),
        version_(std::move(version)),
        etcd_(std::move(etcd)),
        tokens_(etcd_, config.etcd_prefix),
        authorizer_(tokens_, RealClock::Get()) {}

  const ControllerConfig& config() const { return config_; }
  const std::string& version() const { return version_; }
  EtcdClient& etcd() { return *etcd_; }

  // OK when the caller's token (if tokens exist) grants `method`.
  grpc::Status Admit(const grpc::ServerContext& context, std::string_view method) {
    absl::Status admitted = authorizer_.Check(CallerOf(&context).authorization, method);
    if (admitted.code() == absl::StatusCode::kUnavailable) return ToGrpcStatus(EtcdDown(admitted));
    return ToGrpcStatus(admitted);
  }

  // The leader's address, read from etcd; empty while none leads. Unavailable, naming
  // etcd, when etcd does not answer.
  absl::StatusOr<std::string> Leader() {
    absl::StatusOr<std::string> leader = LeaderAddress(*etcd_, config_.etcd_prefix);
    if (leader.ok()) return leader;
    return EtcdDown(leader.status());
  }

  // What a caller is told while etcd does not answer this standby (`failure`: why).
  absl::Status EtcdDown(const absl::Status& failure) const {
    return absl::UnavailableError(
        absl::StrCat("this standby cannot reach etcd, the state store, so no controller takes "
                     "changes until etcd answers again (containers keep running): ",
                     failure.message()));
  }

  // What a caller is told while no controller leads.
  absl::Status NoLeader() const {
    return absl::UnavailableError(absl::StrCat(
        "controller ", config_.advertise_addr,
        " is a standby and no controller leads at the moment (a new leader is chosen within "
        "--leader-lease); try again in a few seconds"));
  }

  // The status that sends a caller to the leader (or to wait for one).
  grpc::Status NotTheLeader(grpc::ServerContext& context, std::string_view what) {
    absl::StatusOr<std::string> leader = Leader();
    if (!leader.ok()) return ToGrpcStatus(leader.status());
    if (leader->empty()) return ToGrpcStatus(NoLeader());
    context.AddTrailingMetadata(kLeaderMetadata, *leader);
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("controller ", config_.advertise_addr, " is a standby: ", ToAbsl(what),
                     " only on the leader, ", *leader,
                     " (give --controller every controller, comma-separated, to follow it)"));
  }

  // A ControlPlane stub to the leader, and its address; the status that sends the caller
  // elsewhere when there is none.
  absl::StatusOr<std::pair<std::string, v1::ControlPlane::Stub*>> LeaderStub() {
    absl::StatusOr<std::string> leader = Leader();
    if (!leader.ok()) return leader.status();
    if (leader->empty() || *leader == config_.advertise_addr) return NoLeader();
    absl::MutexLock lock(&mu_);
    if (*leader != stub_for_) {
      absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
          MakeChannelCredentials(config_.tls);
      if (!credentials.ok()) return credentials.status();
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(64 << 20);  // as large as the leader may answer
      stub_ = v1::ControlPlane::NewStub(grpc::CreateCustomChannel(*leader, *credentials, args));
      stub_for_ = *leader;
    }
    return std::make_pair(*leader, stub_.get());
  }

 private:
  const ControllerConfig& config_;
  const std::string version_;
  std::shared_ptr<EtcdClient> etcd_;
  EtcdStateStore tokens_;  // read for the token table only
  Authorizer authorizer_;
  absl::Mutex mu_;
  std::string stub_for_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<v1::ControlPlane::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

// The client side of a call passed on: the caller's token and deadline.
void PassOn(const grpc::ServerContext& from, grpc::ClientContext& to) {
  if (std::optional<std::string> token = CallerOf(&from).authorization) {
    to.AddMetadata("authorization", *token);
  }
  to.set_deadline(from.deadline());
}

class StandbyControlPlane final : public v1::ControlPlane::Service {
 public:
  explicit StandbyControlPlane(Standby& standby) : standby_(standby) {}

  grpc::Status ApplyApps(grpc::ServerContext* c, const v1::ApplyAppsRequest*,
                         v1::ApplyAppsResponse*) override {
    return Refuse(*c, "ApplyApps");
  }
  grpc::Status DeleteApp(grpc::ServerContext* c, const v1::DeleteAppRequest*,
                         v1::DeleteAppResponse*) override {
    return Refuse(*c, "DeleteApp");
  }
  grpc::Status SetDemand(grpc::ServerContext* c, const v1::SetDemandRequest*,
                         v1::SetDemandResponse*) override {
    return Refuse(*c, "SetDemand");
  }
  grpc::Status Cordon(grpc::ServerContext* c, const v1::CordonRequest*,
                      v1::CordonResponse*) override {
    return Refuse(*c, "Cordon");
  }
  grpc::Status DeleteNode(grpc::ServerContext* c, const v1::DeleteNodeRequest*,
                          v1::DeleteNodeResponse*) override {
    return Refuse(*c, "DeleteNode");
  }

  grpc::Status GetApps(grpc::ServerContext* c, const v1::GetAppsRequest* request,
                       v1::GetAppsResponse* response) override {
    return Forward(*c, "GetApps", &v1::ControlPlane::Stub::GetApps, *request, response);
  }
  grpc::Status DescribeApp(grpc::ServerContext* c, const v1::DescribeAppRequest* request,
                           v1::DescribeAppResponse* response) override {
    return Forward(*c, "DescribeApp", &v1::ControlPlane::Stub::DescribeApp, *request, response);
  }
  grpc::Status GetNodes(grpc::ServerContext* c, const v1::GetNodesRequest* request,
                        v1::GetNodesResponse* response) override {
    return Forward(*c, "GetNodes", &v1::ControlPlane::Stub::GetNodes, *request, response);
  }
  grpc::Status GetContainers(grpc::ServerContext* c, const v1::GetContainersRequest* request,
                             v1::GetContainersResponse* response) override {
    return Forward(*c, "GetContainers", &v1::ControlPlane::Stub::GetContainers, *request, response);
  }
  grpc::Status WatchEvents(grpc::ServerContext* c, const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::Event>* writer) override {
    return ForwardStream(*c, "WatchEvents", &v1::ControlPlane::Stub::WatchEvents, *request,
                         *writer);
  }
  grpc::Status ListEndpoints(grpc::ServerContext* c, const v1::ListEndpointsRequest* request,
                             grpc::ServerWriter<v1::EndpointList>* writer) override {
    return ForwardStream(*c, "ListEndpoints", &v1::ControlPlane::Stub::ListEndpoints, *request,
                         *writer);
  }

  grpc::Status Version(grpc::ServerContext* c, const v1::VersionRequest*,
                       v1::VersionResponse* response) override {
    if (grpc::Status s = standby_.Admit(*c, "Version"); !s.ok()) return s;
    response->set_version(standby_.version());
    response->set_cluster(standby_.config().cluster_name);
    response->set_role(v1::STANDBY);
    absl::StatusOr<std::string> leader = standby_.Leader();
    if (leader.ok()) response->set_leader(*leader);
    return grpc::Status::OK;
  }
  grpc::Status ListControllers(grpc::ServerContext* c, const v1::ListControllersRequest*,
                               v1::ListControllersResponse* response) override {
    if (grpc::Status s = standby_.Admit(*c, "ListControllers"); !s.ok()) return s;
    absl::StatusOr<std::vector<v1::ControllerInfo>> controllers =
        microscale::ListControllers(standby_.etcd(), standby_.config().etcd_prefix);
    if (!controllers.ok()) return ToGrpcStatus(controllers.status());
    for (v1::ControllerInfo& info : *controllers) *response->add_controllers() = std::move(info);
    return grpc::Status::OK;
  }

 private:
  grpc::Status Refuse(grpc::ServerContext& context, std::string_view method) {
    if (grpc::Status s = standby_.Admit(context, method); !s.ok()) return s;
    return standby_.NotTheLeader(context, "changes are made");
  }

  template <typename Request, typename Response>
  using Unary = grpc::Status (v1::ControlPlane::Stub::*)(grpc::ClientContext*, const Request&,
                                                         Response*);
  template <typename Request, typename Response>
  grpc::Status Forward(grpc::ServerContext& context, std::string_view method,
                       Unary<Request, Response> call, const Request& request, Response* response) {
    if (grpc::Status s = standby_.Admit(context, method); !s.ok()) return s;
    auto leader = standby_.LeaderStub();
    if (!leader.ok()) return ToGrpcStatus(leader.status());
    grpc::ClientContext client;
    PassOn(context, client);
    return (leader->second->*call)(&client, request, response);
  }

  template <typename Request, typename Item>
  using Streaming = std::unique_ptr<grpc::ClientReader<Item>> (v1::ControlPlane::Stub::*)(
      grpc::ClientContext*, const Request&);
  // Passes on each item until the leader ends the stream or the caller goes away.
  template <typename Request, typename Item>
  grpc::Status ForwardStream(grpc::ServerContext& context, std::string_view method,
                             Streaming<Request, Item> call, const Request& request,
                             grpc::ServerWriter<Item>& writer) {
    if (grpc::Status s = standby_.Admit(context, method); !s.ok()) return s;
    auto leader = standby_.LeaderStub();
    if (!leader.ok()) return ToGrpcStatus(leader.status());
    grpc::ClientContext client;
    PassOn(context, client);
    std::unique_ptr<grpc::ClientReader<Item>> reader = (leader->second->*call)(&client, request);
    // A caller that goes away while the leader has nothing to send ends the leader's stream.
    absl::Notification done;
    std::thread watch([&] {
      while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
        if (context.IsCancelled()) {
          client.TryCancel();
          return;
        }
      }
    });
    Item item;
    bool caller_gone = false;
    while (reader->Read(&item)) {
      if (!writer.Write(item)) {
        caller_gone = true;
        client.TryCancel();
        break;
      }
    }
    grpc::Status status = reader->Finish();
    done.Notify();
    watch.join();
    if (caller_gone) return grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away");
    return status;
  }

  Standby& standby_;
};

class StandbyGateway final : public v1::AgentGateway::Service {
 public:
  explicit StandbyGateway(Standby& standby) : standby_(standby) {}

  grpc::Status Connect(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>*) override {
    return standby_.NotTheLeader(*context, "agents connect");
  }

 private:
  Standby& standby_;
};

}  // namespace

struct StandbyServer::Parts {
  Parts(const ControllerConfig& c, std::string version, std::shared_ptr<EtcdClient> etcd)
      : config(c), standby(config, std::move(version), std::move(etcd)) {}

  ControllerConfig config;
  Standby standby;
  ControllerMetrics metrics;
  std::unique_ptr<StandbyControlPlane> control_plane;
  std::unique_ptr<StandbyGateway> gateway;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<HttpServer> http;
  int grpc_port = 0;
  bool stopped = false;
};

absl::StatusOr<std::unique_ptr<StandbyServer>> StandbyServer::Start(
    const ControllerConfig& config, std::string version, std::shared_ptr<EtcdClient> etcd) {
  auto p = std::make_unique<Parts>(config, std::move(version), std::move(etcd));
  p->metrics.SetLeader(false);
  p->control_plane = std::make_unique<StandbyControlPlane>(p->standby);
  p->gateway = std::make_unique<StandbyGateway>(p->standby);
  absl::StatusOr<std::unique_ptr<grpc::Server>> server =
      StartGrpcServer(p->config, {p->gateway.get(), p->control_plane.get()}, &p->grpc_port);
  if (!server.ok()) return server.status();
  p->grpc_server = *std::move(server);
  HttpServerOptions options;
  options.address = p->config.http_addr;
  options.registry = p->metrics.shared_registry();
  Standby* standby = &p->standby;
  options.readiness = [standby]() -> absl::Status {
    absl::StatusOr<std::string> leader = standby->Leader();
    return absl::UnavailableError(absl::StrCat(
        "standby: ", leader.ok() && !leader->empty() ? *leader + " leads" : "no leader yet"));
  };
  absl::Status http = RetryListen("http-addr", p->config.http_addr, [&]() -> absl::Status {
    p->http = std::make_unique<HttpServer>(options);
    return p->http->Start();
  });
  if (!http.ok()) {
    p->grpc_server->Shutdown();
    return http;
  }
  LogInfo("standing by: serving reads, sending writes and agents to the leader",
          {{"grpc_port", p->grpc_port}, {"http_port", p->http->port()}});
  return std::unique_ptr<StandbyServer>(new StandbyServer(std::move(p)));
}

StandbyServer::StandbyServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

StandbyServer::~StandbyServer() { Stop(); }

void StandbyServer::Stop() {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  parts_->http->Stop();
}

int StandbyServer::grpc_port() const { return parts_->grpc_port; }
int StandbyServer::http_port() const { return parts_->http->port(); }

}  // namespace microscale
