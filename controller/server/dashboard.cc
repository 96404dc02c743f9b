#include "controller/server/dashboard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/format_apps.h"
#include "cli/format_containers.h"
#include "cli/format_nodes.h"
#include "cli/output.h"
#include "common/manifest/app_proto.h"
#include "common/thread_name.h"
#include "controller/server/dashboard_assets.h"
#include "controller/server/endpoints.h"
#include "nlohmann/json.hpp"

namespace microscale {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";
// No inline script or style sheet, nothing from elsewhere, no framing, no forms.
constexpr char kPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Two stacked boxes: a container count going up.
constexpr char kIcon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<rect x=\"2\" y=\"9\" width=\"12\" height=\"5\" fill=\"#2f9e5a\"/>"
    "<rect x=\"2\" y=\"2\" width=\"12\" height=\"5\" fill=\"#3a8fd8\"/></svg>";

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = kJson;
  r.body = body.dump();
  r.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
  return r;
}

HttpResponse ErrorResponse(int status, const std::string& message) {
  return JsonResponse(status, json{{"error", message}});
}

int HttpStatusOf(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    default:
      return 503;
  }
}

HttpResponse FromGrpc(const grpc::Status& s) {
  return ErrorResponse(HttpStatusOf(s), s.error_message());
}

Caller HttpCallerOf(const HttpRequest& request) {
  Caller caller;
  caller.peer = "http:" + request.remote_ip;
  std::string authorization = request.Header("authorization");
  if (!authorization.empty()) caller.authorization = std::move(authorization);
  return caller;
}

std::string Rfc3339(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

json EventRow(const v1::Event& e) {
  return {{"time", Rfc3339(e.unix_ms())},
          {"reason", e.kind()},
          {"object", e.object()},
          {"message", e.message()}};
}

// What the page needs of an app: its figures, its source and the conditions.
json AppRow(const v1::App& app) {
  json row = {{"name", app.spec().name()},
              {"priority", app.spec().priority()},
              {"desired", app.status().desired()},
              {"allocated", app.status().allocated()},
              {"running", app.status().running()},
              {"paused", app.status().paused()},
              {"demand", nullptr}};
  if (app.status().has_demand()) row["demand"] = app.status().demand();
  absl::StatusOr<AppSpec> spec = AppFromProto(app.spec());
  if (spec.ok()) {
    row["source"] = DemandSourceName(spec->demand.source);
    if (spec->demand.source == DemandSourceKind::kRandom) {
      row["random"] = {{"min", spec->demand.random.min}, {"max", spec->demand.random.max}};
    }
  }
  json conditions = json::array();
  for (const v1::Condition& c : app.status().conditions()) {
    conditions.push_back({{"type", c.type()},
                          {"status", c.status()},
                          {"reason", c.reason()},
                          {"message", c.message()}});
  }
  row["conditions"] = std::move(conditions);
  return row;
}

// A JSON body of a control, or why it is not one.
absl::StatusOr<json> ControlBody(const HttpRequest& request) {
  if (!absl::StartsWith(request.Header("content-type"), kJson)) {
    return absl::InvalidArgumentError("controls take Content-Type: application/json");
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  return body;
}

// The number at `key`, finite and >= 0, or why not.
absl::StatusOr<double> NumberField(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_number()) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": a number is required"));
  }
  double value = it->get<double>();
  if (!std::isfinite(value) || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": must be a finite number >= 0"));
  }
  return value;
}

}  // namespace

bool IsLoopbackIp(std::string_view ip) {
  if (ip.substr(0, 7) == "::ffff:") ip.remove_prefix(7);
  return ip == "::1" || ip.substr(0, 4) == "127.";
}

absl::Status CheckControlOrigin(bool tokens_exist, std::string_view ip) {
  if (tokens_exist || IsLoopbackIp(ip)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "controls from another host need an admin token, and none exists: create one with "
      "`microscale-controller token create --name NAME --role admin`");
}

Dashboard::Dashboard(DashboardDeps deps, DashboardOptions options)
    : deps_(deps), options_(std::move(options)) {}

Dashboard::~Dashboard() { Stop(); }

HttpResponse Dashboard::Page(const std::string& body, const std::string& type) const {
  HttpResponse r;
  r.content_type = type;
  r.body = body;
  r.headers = {{"Content-Security-Policy", kPolicy},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"Cache-Control", "no-store"}};
  return r;
}

void Dashboard::Register(HttpServer& http) {
  http.Handle("GET", "/", [this](const HttpRequest&) {
    return Page(dashboard_assets::kIndexHtml, "text/html; charset=utf-8");
  });
  http.Handle("GET", "/dashboard.js", [this](const HttpRequest&) {
    return Page(dashboard_assets::kDashboardJs, "text/javascript; charset=utf-8");
  });
  http.Handle("GET", "/dashboard.css", [this](const HttpRequest&) {
    return Page(dashboard_assets::kDashboardCss, "text/css; charset=utf-8");
  });
  http.Handle("GET", "/favicon.svg",
              [this](const HttpRequest&) { return Page(kIcon, "image/svg+xml"); });
  http.Handle("GET", "/favicon.ico",
              [this](const HttpRequest&) { return Page(kIcon, "image/svg+xml"); });
  http.Handle("GET", "/api/v1/apps", [this](const HttpRequest& request) {
    v1::GetAppsResponse apps;
    grpc::Status s = deps_.api.GetApps(HttpCallerOf(request), {}, &apps);
    return s.ok() ? JsonResponse(200, cli::AppListJson(apps.apps())) : FromGrpc(s);
  });
  http.Handle("GET", "/api/v1/nodes", [this](const HttpRequest& request) {
    v1::GetNodesResponse nodes;
    grpc::Status s = deps_.api.GetNodes(HttpCallerOf(request), {}, &nodes);
    return s.ok() ? JsonResponse(200, cli::NodeListJson(nodes.nodes())) : FromGrpc(s);
  });
  http.Handle("GET", "/api/v1/containers", [this](const HttpRequest& request) {
    v1::GetContainersRequest filter;
    if (auto it = request.params.find("app"); it != request.params.end())
      filter.set_app(it->second);
    if (auto it = request.params.find("node"); it != request.params.end()) {
      filter.set_node(it->second);
    }
    v1::GetContainersResponse containers;
    grpc::Status s = deps_.api.GetContainers(HttpCallerOf(request), filter, &containers);
    if (!s.ok()) return FromGrpc(s);
    // Paged: `limit` (default and most 1000) from `offset`; the list says what is left.
    size_t limit = 1000;
    size_t offset = 0;
    if (auto it = request.params.find("limit"); it != request.params.end()) {
      if (!absl::SimpleAtoi(it->second, &limit) || limit == 0 || limit > 1000) {
        return ErrorResponse(400, "limit: must be a whole number from 1 to 1000");
      }
    }
    if (auto it = request.params.find("offset"); it != request.params.end()) {
      if (!absl::SimpleAtoi(it->second, &offset)) {
        return ErrorResponse(400, "offset: must be a whole number >= 0");
      }
    }
    const size_t total = static_cast<size_t>(containers.containers_size());
    google::protobuf::RepeatedPtrField<v1::Container> page;
    for (size_t i = offset; i < total && i < offset + limit; ++i) {
      *page.Add() = containers.containers(static_cast<int>(i));
    }
    json list = cli::ContainerListJson(page);
    list["total"] = total;
    list["offset"] = offset;
    return JsonResponse(200, list);
  });
  // Ready endpoints in Prometheus's http_sd_config format (`?app=NAME` filters), for
  // Prometheus and load balancers.
  http.Handle("GET", "/sd/v1/endpoints", [this](const HttpRequest& request) {
    v1::ListEndpointsRequest filter;
    if (auto it = request.params.find("app"); it != request.params.end())
      filter.set_app(it->second);
    v1::EndpointList list;
    grpc::Status s = deps_.api.ListEndpoints(HttpCallerOf(request), filter, &list);
    // An app that is gone has no endpoints: Prometheus drops its targets (an error would
    // make it keep the last ones).
    if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) return FromGrpc(s);
    HttpResponse r;
    r.content_type = "application/json";
    r.body = HttpSdJson({list.endpoints().begin(), list.endpoints().end()});
    r.headers = {{"Cache-Control", "no-store"}};
    return r;
  });
  http.Handle("GET", "/api/v1/events", [this](const HttpRequest& request) {
    if (grpc::Status s = deps_.api.Admit(HttpCallerOf(request), "WatchEvents"); !s.ok()) {
      return FromGrpc(s);
    }
    uint64_t next = 0;
    std::vector<v1::Event> all = deps_.events.Since(0, &next);
    google::protobuf::RepeatedPtrField<v1::Event> events;
    for (const v1::Event& e : all) *events.Add() = e;
    return JsonResponse(200, cli::EventListJson(events));
  });
  http.Handle("GET", "/api/v1/history",
              [this](const HttpRequest& request) { return History(request); });
  http.Handle("GET", "/api/v1/stream",
              [this](const HttpRequest& request) { return Stream(request); });
  http.HandlePattern(
      "POST", "/api/v1/apps/([a-z0-9-]+)/(demand|random)",
      [this](const HttpRequest& request) { return Control(request, request.matches.at(1)); });
  http.HandlePattern("POST", "/api/v1/nodes/([^/]+)/cordon",
                     [this](const HttpRequest& request) { return Control(request, "cordon"); });
}

HttpResponse Dashboard::History(const HttpRequest& request) {
  if (grpc::Status s = deps_.api.Admit(HttpCallerOf(request), "GetApps"); !s.ok()) {
    return FromGrpc(s);
  }
  json items = json::array();
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [app, samples] : history_) {
      json rows = json::array();
      for (const Sample& s : samples) {
        rows.push_back({s.unix_ms, s.demand ? json(*s.demand) : json(nullptr), s.desired,
                        s.allocated, s.running});
      }
      items.push_back({{"app", app}, {"samples", std::move(rows)}});
    }
  }
  json list = cli::ListObject("AppHistoryList", std::move(items));
  list["columns"] = {"unixMs", "demand", "desired", "allocated", "running"};
  return JsonResponse(200, list);
}

HttpResponse Dashboard::Stream(const HttpRequest& request) {
  if (grpc::Status s = deps_.api.Admit(HttpCallerOf(request), "GetApps"); !s.ok()) {
    return FromGrpc(s);
  }
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
  r.stream = [this](HttpStreamWriter& out) {
    // The first snapshot is the follower's own, with the recent events; then the shared one.
    uint64_t from = 0;
    std::string first = BuildSnapshot(&from);
    uint64_t seen = 0;
    {
      absl::MutexLock lock(&mu_);
      ++followers_;
      seen = published_.seq;
    }
    bool ok = out.Write(absl::StrCat("event: snapshot\ndata: ", first, "\n\n"));
    while (ok) {
      std::shared_ptr<const std::string> next;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
          return stopping_ || published_.seq != seen;
        };
        mu_.AwaitWithTimeout(absl::Condition(&ready), options_.push_every * 5);
        if (stopping_) break;
        if (published_.seq == seen) continue;  // nothing new yet: wait again
        seen = published_.seq;
        next = published_.snapshot;
      }
      ok = out.Write(absl::StrCat("event: snapshot\ndata: ", *next, "\n\n"));
    }
    absl::MutexLock lock(&mu_);
    --followers_;
  };
  return r;
}

HttpResponse Dashboard::Control(const HttpRequest& request, std::string_view what) {
  absl::StatusOr<std::vector<StoredToken>> tokens = deps_.store.ListTokens();
  if (!tokens.ok()) return ErrorResponse(503, std::string(tokens.status().message()));
  if (absl::Status origin = CheckControlOrigin(!tokens->empty(), request.remote_ip); !origin.ok()) {
    return ErrorResponse(403, std::string(origin.message()));
  }
  absl::StatusOr<json> body = ControlBody(request);
  if (!body.ok()) return ErrorResponse(415, std::string(body.status().message()));
  const std::string& name = request.matches.at(0);
  const Caller caller = HttpCallerOf(request);
  grpc::Status s;
  if (what == "demand") {
    absl::StatusOr<double> value = NumberField(*body, "value");
    if (!value.ok()) return ErrorResponse(400, std::string(value.status().message()));
    v1::SetDemandRequest set;
    set.set_app(name);
    set.set_value(*value);
    v1::SetDemandResponse done;
    s = deps_.api.SetDemand(caller, set, &done);
  } else if (what == "random") {
    absl::StatusOr<double> lo = NumberField(*body, "min");
    absl::StatusOr<double> hi = NumberField(*body, "max");
    if (!lo.ok()) return ErrorResponse(400, std::string(lo.status().message()));
    if (!hi.ok()) return ErrorResponse(400, std::string(hi.status().message()));
    v1::GetAppsRequest get;
    get.set_name(name);
    v1::GetAppsResponse found;
    s = deps_.api.GetApps(caller, get, &found);
    if (!s.ok()) return FromGrpc(s);
    absl::StatusOr<AppSpec> spec = AppFromProto(found.apps(0).spec());
    if (!spec.ok()) return ErrorResponse(503, std::string(spec.status().message()));
    if (spec->demand.source != DemandSourceKind::kRandom) {
      return ErrorResponse(400, absl::StrCat("app \"", name, "\" reads its demand from source \"",
                                             DemandSourceName(spec->demand.source),
                                             "\"; only a random source has a range"));
    }
    spec->demand.random.min = *lo;
    spec->demand.random.max = *hi;
    v1::ApplyAppsRequest apply;
    *apply.add_apps() = AppToProto(*spec);
    v1::ApplyAppsResponse applied;
    s = deps_.api.ApplyApps(caller, apply, &applied);
  } else {
    auto it = body->find("cordon");
    if (it == body->end() || !it->is_boolean()) {
      return ErrorResponse(400, "cordon: true or false is required");
    }
    v1::CordonRequest cordon;
    cordon.set_node(name);
    cordon.set_cordon(it->get<bool>());
    v1::CordonResponse done;
    s = deps_.api.Cordon(caller, cordon, &done);
  }
  return s.ok() ? JsonResponse(200, json{{"ok", true}}) : FromGrpc(s);
}

void Dashboard::SampleHistory(absl::Time now) {
  const int64_t unix_ms = absl::ToUnixMillis(now);
  const int64_t oldest = absl::ToUnixMillis(now - options_.history);
  // The figures first (a walk of the table, no copy of its entries), then the history: the
  // dashboard's lock is never held while the table's is.
  std::vector<std::pair<std::string, Sample>> now_samples;
  deps_.apps.Visit([&](const AppEntry& app) {
    now_samples.push_back(
        {app.spec.name,
         {unix_ms, app.demand, app.desired, app.allocation.allocated, app.allocation.running}});
  });
  absl::MutexLock lock(&mu_);
  auto kept = history_.begin();
  for (auto& [name, sample] : now_samples) {
    // Both in name order: the apps gone since the last sample are the entries passed over.
    while (kept != history_.end() && kept->first < name) kept = history_.erase(kept);
    if (kept == history_.end() || kept->first != name) {
      kept = history_.emplace_hint(kept, name, std::deque<Sample>{});
    }
    std::deque<Sample>& samples = kept->second;
    samples.push_back(sample);
    while (!samples.empty() && samples.front().unix_ms < oldest) samples.pop_front();
    ++kept;
  }
  history_.erase(kept, history_.end());
}

std::string Dashboard::BuildSnapshot(uint64_t* next_event) {
  // Straight from the live tables, not through the API's lists: with 10,000 apps and
  // 100,000 containers those cost seconds, and a snapshot only needs the first apps and
  // each node's containers counted.
  const absl::Time now = deps_.clock.Now();
  const std::vector<AppEntry> entries = deps_.apps.List();
  std::vector<const AppEntry*> ordered;
  ordered.reserve(entries.size());
  for (const AppEntry& entry : entries) ordered.push_back(&entry);
  const size_t shown = std::min(ordered.size(), kSnapshotApps);
  std::partial_sort(ordered.begin(), ordered.begin() + static_cast<std::ptrdiff_t>(shown),
                    ordered.end(), [](const AppEntry* a, const AppEntry* b) {
                      return std::forward_as_tuple(a->spec.priority, a->spec.name) <
                             std::forward_as_tuple(b->spec.priority, b->spec.name);
                    });
  json app_rows = json::array();
  for (size_t i = 0; i < shown; ++i) app_rows.push_back(AppRow(deps_.api.AppMessage(*ordered[i])));
  const std::vector<NodeView> nodes = deps_.nodes.Snapshot(now);
  json node_rows = json::array();
  for (size_t i = 0; i < nodes.size() && i < kSnapshotNodes; ++i) {
    const NodeView& node = nodes[i];
    std::map<std::pair<std::string, std::string>, int> counts;  // (app, state) -> containers
    for (const auto& [instance, container] : node.containers) {
      if (container.state() == v1::CONTAINER_STATE_EXITED) continue;
      ++counts[{container.app(), cli::ContainerStateName(container.state())}];
    }
    json groups = json::array();
    for (const auto& [key, count] : counts) {
      groups.push_back({{"app", key.first}, {"state", key.second}, {"count", count}});
    }
    node_rows.push_back({{"name", node.name},
                         {"state", NodeStateName(node)},
                         {"draining", deps_.reconciler.IsDraining(node.name)},
                         {"containers", std::move(groups)}});
  }
  json events = json::array();
  const bool first = *next_event == 0;
  std::vector<v1::Event> recent = deps_.events.Since(*next_event, next_event);
  constexpr size_t kEvents = 100;
  size_t skip = first && recent.size() > kEvents ? recent.size() - kEvents : 0;
  for (size_t i = skip; i < recent.size(); ++i) events.push_back(EventRow(recent[i]));
  json snapshot = {
      {"time", Rfc3339(absl::ToUnixMillis(now))},
      {"cluster", options_.cluster},
      {"apps", std::move(app_rows)},
      {"appsTotal", entries.size()},
      {"nodes", {{"total", nodes.size()}, {"items", std::move(node_rows)}}},
      {"events", std::move(events)},
  };
  return snapshot.dump();
}

void Dashboard::Start() {
  thread_ = std::thread([this] {
    NameThisThread("dashboard");
    Loop();
  });
}

void Dashboard::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Dashboard::Loop() {
  absl::Time next_sample = absl::InfinitePast();
  while (true) {
    const absl::Time now = deps_.clock.Now();
    if (now >= next_sample) {
      SampleHistory(now);
      next_sample = now + options_.history_step;
    }
    bool build = false;
    uint64_t from = 0;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      build = followers_ > 0;
      from = next_event_;
    }
    if (build) {
      auto snapshot = std::make_shared<const std::string>(BuildSnapshot(&from));
      absl::MutexLock lock(&mu_);
      next_event_ = from;
      published_.snapshot = std::move(snapshot);
      ++published_.seq;
    } else {
      // Nobody follows: the shared stream's events start from now when someone does.
      uint64_t next = 0;
      deps_.events.Since(std::numeric_limits<uint64_t>::max(), &next);
      absl::MutexLock lock(&mu_);
      next_event_ = std::max(next_event_, next);
    }
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.push_every);
    if (stopping_) return;
  }
}

}  // namespace microscale
