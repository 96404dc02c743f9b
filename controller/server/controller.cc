#include "controller/server/controller.h"

#include <functional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/backoff.h"
#include "common/http/http_server.h"
#include "common/log.h"
#include "common/tls/tls_credentials.h"
#include "controller/demand/demand_poller.h"
#include "controller/server/agent_gateway_service.h"
#include "controller/server/app_table.h"
#include "controller/server/command_tracker.h"
#include "controller/server/control_plane_service.h"
#include "controller/server/controller_metrics.h"
#include "controller/server/controller_roster.h"
#include "controller/server/dashboard.h"
#include "controller/server/data_dir_lock.h"
#include "controller/server/event_log.h"
#include "controller/server/listen.h"
#include "controller/server/node_registry.h"
#include "controller/server/reconciler.h"
#include "controller/store/etcd_state_store.h"
#include "controller/store/measured_state_store.h"
#include "controller/store/sqlite_state_store.h"
#include "grpcpp/grpcpp.h"

namespace microscale {
namespace {

HeartbeatPacing PacingOf(const ControllerConfig& config) {
  HeartbeatPacing pacing;
  pacing.max_per_second = config.max_heartbeats_per_second;
  return pacing;
}

}  // namespace

struct Controller::Parts {
  Parts(const ControllerConfig& c, Clock& clk)
      : config(c),
        clock(clk),
        refusals(clk, metrics.registry()),
        nodes(c.node_timeout, PacingOf(c)) {}

  ControllerConfig config;
  Clock& clock;
  std::unique_ptr<DataDirLock> lock;  // held while the store is open
  std::unique_ptr<StateStore> store;
  ControllerMetrics metrics;
  RefusalLog refusals;  // after metrics: it registers a counter there
  EventLog events;
  AppTable apps;
  NodeRegistry nodes;
  CommandTracker tracker;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<DemandPoller> poller;
  std::unique_ptr<ControlPlaneService> control_plane;
  std::unique_ptr<AgentGatewayService> gateway;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<Dashboard> dashboard;
  std::unique_ptr<HttpServer> http;
  int grpc_port = 0;
  bool shut_down = false;

  void OnObservation(const DemandObservation& o);
};

void Controller::Parts::OnObservation(const DemandObservation& o) {
  ReadingOutcome out = apps.ApplyReading(o.app, o.value, o.time, o.arrivals_total);
  if (!out.known_app) return;
  if (out.settled) poller->Hold(o);  // a static value is then read again only once it changes
  // Named only for an event: most reads (every static source's, every interval) make none.
  auto object = [&o] { return "app/" + o.app; };
  if (!o.value.ok()) {
    metrics.CountSourceError(o.app, DemandSourceName(o.source));
    if (out.became_failing) {
      LogWarn("demand read failed", {{"app", o.app}, {"error", o.value.status()}});
      events.Add(o.time, "DemandReadFailed", object(), std::string(o.value.status().message()));
    }
  } else {
    metrics.SetDemandFigures(o.app, *o.value, out.arrival_rate, out.drain_rate);
    if (out.recovered) {
      events.Add(o.time, "DemandRecovered", object(), absl::StrCat("read ", *o.value, " again"));
    }
  }
  if (out.desired_changed) {
    std::string demand = o.value.ok() ? absl::StrCat(*o.value) : "read failed";
    events.Add(o.time, "DesiredChanged", object(),
               absl::StrCat("desired ", out.old_desired, " -> ", out.new_desired, " (demand ",
                            demand, ")"));
    reconciler->MarkDirty();
  }
}

namespace {

// The most one etcd call may take (an endpoint that does not answer within it is passed
// over for the next).
constexpr absl::Duration kEtcdTimeout = absl::Seconds(5);

absl::Status StartGrpc(Controller::Parts& p) {
  if (!IsLoopbackAddress(p.config.grpc_addr)) {
    absl::StatusOr<std::vector<StoredToken>> tokens = p.store->ListTokens();
    if (tokens.ok() && tokens->empty()) {
      LogWarn(
          "no API token exists, so the control API is open to anyone who reaches the gRPC "
          "port; create one with `microscale-controller token create`",
          {{"grpc", p.config.grpc_addr}});
    }
  }
  absl::StatusOr<std::unique_ptr<grpc::Server>> server =
      StartGrpcServer(p.config, {p.gateway.get(), p.control_plane.get()}, &p.grpc_port);
  if (!server.ok()) return server.status();
  p.grpc_server = *std::move(server);
  return absl::OkStatus();
}

absl::Status StartHttp(Controller::Parts& p) {
  HttpServerOptions options;
  options.address = p.config.http_addr;
  options.registry = p.metrics.shared_registry();
  options.readiness = [&p]() -> absl::Status {
    if (p.reconciler->StartupSettled()) return absl::OkStatus();
    return absl::UnavailableError("waiting for agents to reconnect (startup grace)");
  };
  return RetryListen("http-addr", p.config.http_addr, [&]() -> absl::Status {
    p.http = std::make_unique<HttpServer>(options);
    p.dashboard->Register(*p.http);
    return p.http->Start();
  });
}

}  // namespace

absl::Status Controller::WaitForStore(const ControllerConfig& config,
                                      const std::function<bool(absl::Duration)>& wait) {
  if (config.etcd_endpoints.empty()) return absl::OkStatus();
  EtcdClient client(config.etcd_endpoints, config.etcd_credentials, kEtcdTimeout);
  Backoff backoff(BackoffOptions{.initial = absl::Seconds(1), .max = absl::Seconds(10)});
  for (;;) {
    absl::Status read = client.Probe(config.etcd_prefix).status();
    if (read.ok()) return absl::OkStatus();
    absl::Duration delay = backoff.Next();
    LogWarn("waiting for the state store",
            {{"error", read}, {"retry_in", absl::FormatDuration(delay)}});
    if (!wait(delay)) return absl::CancelledError("stopped while waiting for etcd");
  }
}

absl::StatusOr<std::unique_ptr<Controller>> Controller::Start(const ControllerConfig& config,
                                                              std::string version, Clock& clock,
                                                              Leadership leadership) {
  auto p = std::make_unique<Parts>(config, clock);
  const absl::Time load_start = absl::Now();
  // On etcd, one client serves the store and the controller list.
  std::shared_ptr<EtcdClient> etcd;
  EtcdStateStore* etcd_store = nullptr;
  std::string loaded_from = config.etcd_endpoints.empty() ? "sqlite" : "etcd";
  if (!config.etcd_endpoints.empty()) {
    etcd =
        std::make_shared<EtcdClient>(config.etcd_endpoints, config.etcd_credentials, kEtcdTimeout);
    auto store = std::make_unique<EtcdStateStore>(etcd, config.etcd_prefix, clock);
    if (!leadership.key.empty()) {
      store->FenceOn(leadership.key, leadership.create_revision, std::move(leadership.on_lost));
    }
    if (absl::Status s = store->ClaimFor(config.cluster_name); !s.ok()) return s;
    // A standby's copy that holds this leadership's revision holds the whole state: only
    // this controller writes it from that revision on.
    if (leadership.mirror != nullptr &&
        leadership.mirror->WaitFor(leadership.create_revision, kMirrorCatchUp)) {
      store->ReadFirstFrom(leadership.mirror);
      loaded_from = absl::StrCat("the standby's copy at revision ", leadership.mirror->revision());
    }
    etcd_store = store.get();
    p->store = std::move(store);
  } else {
    absl::StatusOr<std::unique_ptr<SqliteStateStore>> store =
        SqliteStateStore::Open(config.data_dir, clock);
    if (!store.ok()) return store.status();
    absl::StatusOr<std::unique_ptr<DataDirLock>> lock =
        DataDirLock::Acquire(config.data_dir, kListenRetry);
    if (!lock.ok()) return lock.status();
    p->lock = *std::move(lock);
    p->store = *std::move(store);
  }
  // Every call of the controller goes through the measured store (write times, failures).
  ControllerMetrics* metrics = &p->metrics;
  p->store = std::make_unique<MeasuredStateStore>(
      std::move(p->store),
      StoreObserver{[metrics](double seconds) { metrics->ObserveStoreWrite(seconds); },
                    [metrics](const char* op) { metrics->CountStoreError(op); }});
  p->metrics.SetLeader(true);  // Start runs once this controller leads (or is the only one)
  Parts* raw = p.get();
  p->reconciler = std::make_unique<Reconciler>(
      ReconcilerDeps{clock, p->apps, p->nodes, p->tracker, p->events, p->metrics, *p->store},
      ReconcilerOptions{.placement = config.placement,
                        .startup_grace = config.startup_grace,
                        .node_gc = config.node_gc});
  DemandPollerOptions poller_options;
  poller_options.clock = &clock;
  p->poller = std::make_unique<DemandPoller>(
      [raw](const DemandObservation& o) { raw->OnObservation(o); }, poller_options);
  ControlPlaneOptions plane_options{config.cluster_name,       std::move(version),
                                    config.allow_host_network, config.max_apps,
                                    config.advertise_addr,     {}};
  if (etcd != nullptr) {
    // The controllers on the prefix as etcd lists them (controller_roster.h).
    plane_options.list_controllers = [etcd, prefix = config.etcd_prefix] {
      return ListControllers(*etcd, prefix);
    };
  } else {
    plane_options.list_controllers = [self = ThisController(config.advertise_addr)] {
      v1::ControllerInfo leader = self;
      leader.set_role(v1::LEADER);
      return absl::StatusOr<std::vector<v1::ControllerInfo>>(std::vector{leader});
    };
  }
  p->control_plane = std::make_unique<ControlPlaneService>(
      ControlPlaneDeps{clock, *p->store, p->apps, *p->poller, *p->reconciler, p->nodes, p->events,
                       p->refusals},
      std::move(plane_options));
  if (absl::Status s = p->control_plane->LoadFromStore(); !s.ok()) return s;
  absl::StatusOr<std::set<std::string>> cordons = p->store->ListCordons();
  if (!cordons.ok()) return cordons.status();
  p->nodes.SetCordons(*cordons);
  absl::StatusOr<std::set<std::string>> draining = p->store->ListDraining();
  if (!draining.ok()) return draining.status();
  for (const std::string& node : *draining) p->reconciler->SetDraining(node, true);
  if (absl::Status s = p->reconciler->Load(); !s.ok()) return s;
  if (etcd_store != nullptr) etcd_store->EndWarmReads();
  if (leadership.mirror != nullptr) leadership.mirror->Stop();  // the leader reads etcd
  LogInfo("state loaded",
          {{"from", loaded_from}, {"ms", absl::ToInt64Milliseconds(absl::Now() - load_start)}});
  AgentGatewayHooks hooks;
  hooks.mark_dirty = [raw] { raw->reconciler->MarkDirty(); };
  hooks.sync_for = [raw](const std::string& node) { return raw->reconciler->SyncFor(node); };
  hooks.on_result = [raw](const InFlightCommand& c, const v1::CommandResult& r) {
    raw->reconciler->OnCommandResult(c, r);
  };
  hooks.on_refused = [raw](RefusalReason reason, std::string_view peer, std::string_view detail) {
    raw->refusals.Record(reason, "AgentGateway.Connect", peer, detail);
  };
  hooks.on_event = [raw](const std::string& node, const v1::ContainerEvent& e) {
    if (e.kind() == v1::ContainerEvent::OOM_KILLED) {
      raw->events.Add(raw->clock.Now(), "OOMKilled", "app/" + e.container().app(),
                      absl::StrCat(e.container().instance(), " on ", node,
                                   " was killed for exceeding its memory limit"));
    }
  };
  AgentGatewayPolicy policy;
  policy.require_client_certificate = config.tls.enabled();
  policy.check_node_name = !config.tls_allow_any_node_name;
  policy.host_network_allowed = config.allow_host_network;
  policy.controller = config.advertise_addr;
  policy.leader_term = leadership.create_revision;
  p->gateway = std::make_unique<AgentGatewayService>(clock, p->nodes, p->tracker, p->events,
                                                     std::move(hooks), config.cluster_name, policy);
  if (absl::Status s = StartGrpc(*p); !s.ok()) return s;
  p->dashboard =
      std::make_unique<Dashboard>(DashboardDeps{clock, *p->control_plane, *p->store, p->apps,
                                                p->events, p->nodes, *p->reconciler},
                                  DashboardOptions{.cluster = config.cluster_name});
  if (absl::Status s = StartHttp(*p); !s.ok()) {
    p->grpc_server->Shutdown();
    return s;
  }
  p->reconciler->Start();
  p->dashboard->Start();
  LogInfo("controller started", {{"grpc", config.grpc_addr},
                                 {"grpc_port", p->grpc_port},
                                 {"http_port", p->http->port()},
                                 {"cluster", config.cluster_name},
                                 {"tls", config.tls.enabled() ? "mTLS" : "off"},
                                 {"data_dir", config.data_dir}});
  return std::unique_ptr<Controller>(new Controller(std::move(p)));
}

Controller::Controller(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Controller::~Controller() { Shutdown(); }

void Controller::Shutdown() {
  if (parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  parts_->poller->Stop();
  parts_->reconciler->Stop();
  parts_->dashboard->Stop();  // ends the dashboard's streams
  parts_->http->Stop();
}

void Controller::Wait() { parts_->grpc_server->Wait(); }

int Controller::grpc_port() const { return parts_->grpc_port; }
int Controller::http_port() const { return parts_->http->port(); }

}  // namespace microscale
