#include "common/http/http_server.h"

#include <httplib.h>

#include <cctype>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/http/connection_stream.h"
#include "common/http/growing_thread_pool.h"
#include "common/http/guarded_server.h"
#include "common/http/host_port.h"
#include "common/status_macros.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace microscale {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

std::string Lower(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  out.body = req.body;
  for (const auto& [key, value] : req.params) out.params.emplace(key, value);
  for (const auto& [key, value] : req.headers) out.headers.emplace(Lower(key), value);
  if (http_internal::ConnectionStream* stream = http_internal::ConnectionStream::Current()) {
    int port = 0;
    stream->get_remote_ip_and_port(out.remote_ip, port);
  }
  for (size_t i = 1; i < req.matches.size(); ++i) out.matches.push_back(req.matches[i].str());
  return out;
}

// Hands a producer's chunks to httplib's sink, on the connection's own thread.
class SinkWriter : public HttpStreamWriter {
 public:
  explicit SinkWriter(httplib::DataSink& sink) : sink_(sink) {}
  bool Write(std::string_view chunk) override {
    return sink_.is_writable() && sink_.write(chunk.data(), chunk.size());
  }

 private:
  httplib::DataSink& sink_;
};

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

void Reply(HttpResponse response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (!response.stream) {
    res.set_content(response.body, response.content_type);
    return;
  }
  auto producer = std::move(response.stream);
  res.set_chunked_content_provider(response.content_type,
                                   [producer](size_t, httplib::DataSink& sink) {
                                     // A stream outlives the request deadline: only its writes are
                                     // timed.
                                     http_internal::ConnectionStream::LiftDeadlineOfCurrent();
                                     SinkWriter writer(sink);
                                     producer(writer);
                                     sink.done();
                                     return true;
                                   });
}

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options)
      : options_(std::move(options)), server_(LimitsOf(options_)) {}

  void AddRoute(const std::string& method, const std::string& path, HttpHandler handler,
                bool pattern) {
    routes_.push_back({method, pattern ? path : Escape(path), std::move(handler)});
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
    std::string path;  // a regular expression
    HttpHandler handler;
  };

  // An exact path as a regular expression.
  static std::string Escape(const std::string& path) {
    std::string out;
    for (char ch : path) {
      if (std::isalnum(static_cast<unsigned char>(ch)) == 0 && ch != '/' && ch != '-' &&
          ch != '_') {
        out += '\\';
      }
      out += ch;
    }
    return out;
  }

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
  impl_->AddRoute(method, path, std::move(handler), /*pattern=*/false);
}

void HttpServer::HandlePattern(const std::string& method, const std::string& pattern,
                               HttpHandler handler) {
  impl_->AddRoute(method, pattern, std::move(handler), /*pattern=*/true);
}

std::string HttpRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

absl::Status HttpServer::Start() {
  absl::StatusOr<int> port = impl_->Start();
  if (!port.ok()) return port.status();
  port_.store(*port);
  return absl::OkStatus();
}

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace microscale
