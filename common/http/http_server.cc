#include "common/http/http_server.h"

#include <httplib.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/http/growing_thread_pool.h"
#include "common/http/guarded_server.h"
#include "common/http/host_port.h"
#include "common/status_macros.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace microscale {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest out{req.method, req.path, req.body, {}};
  for (const auto& [key, value] : req.params) out.params.emplace(key, value);
  return out;
}

http_internal::ConnectionLimits LimitsOf(const HttpServerOptions& options) {
  http_internal::ConnectionLimits limits;
  limits.read_timeout = options.read_timeout;
  limits.write_timeout = options.write_timeout;
  limits.keep_alive_timeout = options.keep_alive_timeout;
  limits.request_deadline = options.request_deadline;
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = options.max_body_bytes;
  return limits;
}

void Reply(const HttpResponse& response, httplib::Response& res) {
  res.status = response.status;
  res.set_content(response.body, response.content_type);
}

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options)
      : options_(std::move(options)), server_(LimitsOf(options_)) {}

  void AddRoute(const std::string& method, const std::string& path, HttpHandler handler) {
    routes_.push_back({method, path, std::move(handler)});
  }

  absl::StatusOr<int> Start() {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("HTTP server already started");
    ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(options_.address));
    Configure();
    int port = hp.port == 0 ? server_.bind_to_any_port(hp.host)
                            : (server_.bind_to_port(hp.host, hp.port) ? hp.port : -1);
    if (port <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.address));
    }
    server_.DeepenListenQueue();
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    started_ = true;
    // httplib ignores stop() until its accept loop runs, so wait for it to start.
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!server_.is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
    return port;
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    server_.StopAndCut();
    thread_.join();
  }

 private:
  struct Route {
    std::string method;
    std::string path;
    HttpHandler handler;
  };

  void Configure() {
    size_t threads = options_.max_connections > 0 ? options_.max_connections : 1;
    server_.new_task_queue = [threads] { return new http_internal::GrowingThreadPool(threads); };
    // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second
    // daemon silently share the port instead of failing to start.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain; charset=utf-8");
    });
    if (options_.registry) {
      server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        prometheus::TextSerializer serializer;
        res.set_content(serializer.Serialize(options_.registry->Collect()), kMetricsContentType);
      });
    }
    if (options_.readiness) {
      server_.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
        absl::Status ready = options_.readiness();
        res.status = ready.ok() ? 200 : 503;
        res.set_content(ready.ok() ? "ok\n" : std::string(ready.message()) + "\n",
                        "text/plain; charset=utf-8");
      });
    }
    for (const Route& route : routes_) AddToServer(route);
  }

  void AddToServer(const Route& route) {
    HttpHandler handler = route.handler;
    auto serve = [handler](const httplib::Request& req, httplib::Response& res) {
      Reply(handler(ToRequest(req)), res);
    };
    // httplib takes patterns as regular expressions; exact paths of letters, digits, '/',
    // '-' and '_' match themselves.
    if (route.method == "POST") {
      server_.Post(route.path, serve);
    } else {
      server_.Get(route.path, serve);
    }
  }

  const HttpServerOptions options_;
  std::vector<Route> routes_;
  http_internal::GuardedServer server_;
  absl::Mutex mu_;
  std::thread thread_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(const std::string& method, const std::string& path, HttpHandler handler) {
  impl_->AddRoute(method, path, std::move(handler));
}

absl::Status HttpServer::Start() {
  absl::StatusOr<int> port = impl_->Start();
  if (!port.ok()) return port.status();
  port_.store(*port);
  return absl::OkStatus();
}

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace microscale
