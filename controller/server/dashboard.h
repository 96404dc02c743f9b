// Dashboard: the controller's live page at `/` and its HTTP API under `/api/v1/`.
//
//   GET  /                      the page (with /dashboard.js and /dashboard.css, compiled in)
//   GET  /api/v1/apps|nodes|containers|events   as `microscalectl get ... -o json` prints
//   GET  /api/v1/history        demand, desired, allocated and running per app, 15 minutes
//   GET  /api/v1/stream         server-sent events: a snapshot every second
//   POST /api/v1/apps/NAME/demand   {"value": N}           (a static source's demand)
//   POST /api/v1/apps/NAME/random   {"min": A, "max": B}   (a random source's range)
//   POST /api/v1/nodes/NAME/cordon  {"cordon": true|false}
//
// Every call is admitted by the ControlPlane's own rules (the token in an `Authorization:
// Bearer` header, its role, the rate limit). Controls also need `Content-Type:
// application/json`, which a cross-site form cannot send, and are refused from a client
// that is not on loopback while no token exists. Pages are served with a
// Content-Security-Policy that allows no inline script.
//
// A snapshot holds every app up to kSnapshotApps (by priority, then name) and every node
// up to kSnapshotNodes with its containers counted by app and state, never the containers
// themselves: its size does not grow with the number of containers. It is built once a
// second while someone follows the stream, whatever the number of followers.
// Thread-safety: handlers run on the HTTP server's threads; Start/Stop from one thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_DASHBOARD_H_
#define MICROSCALE_CONTROLLER_SERVER_DASHBOARD_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/http/http_server.h"
#include "controller/server/app_table.h"
#include "controller/server/control_plane_service.h"
#include "controller/server/event_log.h"
#include "controller/server/node_registry.h"
#include "controller/server/reconciler.h"
#include "controller/store/state_store.h"

namespace microscale {

inline constexpr size_t kSnapshotApps = 200;
inline constexpr size_t kSnapshotNodes = 500;

struct DashboardOptions {
  std::string cluster = "default";
  absl::Duration history = absl::Minutes(15);
  absl::Duration history_step = absl::Seconds(5);  // one history sample per app this often
  absl::Duration push_every = absl::Seconds(1);    // one snapshot this often
};

struct DashboardDeps {
  Clock& clock;
  ControlPlaneService& api;
  StateStore& store;
  AppTable& apps;
  EventLog& events;
  NodeRegistry& nodes;
  Reconciler& reconciler;  // which nodes drain
};

// Whether `ip` (a numeric address as a server sees its client) is a loopback address.
bool IsLoopbackIp(std::string_view ip);

// PermissionDenied for a control from `ip`, a client on another host, while no token exists
// (nothing could tell an operator from anyone who reaches the port); OK otherwise, and then
// the call's token decides.
absl::Status CheckControlOrigin(bool tokens_exist, std::string_view ip);

class Dashboard {
 public:
  Dashboard(DashboardDeps deps, DashboardOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Adds the page and the API to `http` (before it starts).
  void Register(HttpServer& http);
  // Starts sampling the history and building snapshots; Stop ends it and every stream.
  void Start();
  void Stop();

  // One history sample of every app now (the sampling thread calls it; tests too).
  void SampleHistory(absl::Time now);
  // The snapshot JSON a stream would send now, with the events after `*next_event` (which
  // it advances).
  std::string BuildSnapshot(uint64_t* next_event);

 private:
  struct Sample {
    int64_t unix_ms;
    std::optional<double> demand;
    int32_t desired, allocated, running;
  };
  struct Published {
    uint64_t seq = 0;
    std::shared_ptr<const std::string> snapshot;
  };

  HttpResponse Page(const std::string& body, const std::string& type) const;
  HttpResponse History(const HttpRequest& request);
  HttpResponse Stream(const HttpRequest& request);
  HttpResponse Control(const HttpRequest& request, std::string_view what);
  void Loop();

  DashboardDeps deps_;
  const DashboardOptions options_;
  absl::Mutex mu_;
  std::map<std::string, std::deque<Sample>> history_ ABSL_GUARDED_BY(mu_);
  Published published_ ABSL_GUARDED_BY(mu_);
  int followers_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_event_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_DASHBOARD_H_
