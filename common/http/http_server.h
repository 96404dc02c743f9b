// HttpServer: the small HTTP endpoint every Microscale daemon serves.
//
// Serves `/metrics` (Prometheus text format of a prometheus::Registry), `/healthz` (200 "ok"
// while the process serves), `/readyz` when a readiness callback is given (200 "ok", or 503
// with the callback's error message), and any extra GET/POST handlers added before Start().
// Listens on "host:port"; port 0 picks a free port, reported by port() after Start().
//
// Hostile clients are bounded (see HttpServerOptions): each connection has its own thread,
// up to `max_connections` at once; a request must arrive whole within `request_deadline`
// and within a header and a body size limit; idle and silent connections are closed after
// their timeouts. So slow, silent or oversized clients cannot starve /healthz or /metrics.
//
// A handler may answer with a stream (HttpResponse::stream, e.g. server-sent events): the
// producer writes chunks until it returns or a write fails. A stream is not cut by the
// request deadline, only by a client that does not take a chunk within `write_timeout`, and
// by Stop(). It holds one of the `max_connections` threads while it lasts.
//
// Thread-safety: Handle() must be called before Start(). Start() and Stop() may be called
// from any thread; handlers run on the server's threads and must be thread-safe. The
// destructor stops the server.
#ifndef MICROSCALE_COMMON_HTTP_HTTP_SERVER_H_
#define MICROSCALE_COMMON_HTTP_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace microscale {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
  std::multimap<std::string, std::string> params;   // query string
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string remote_ip;                            // the client's numeric address
  std::vector<std::string> matches;                 // a pattern route's groups, in order

  // The first value of header `name` (lower case), or "" when absent.
  std::string Header(const std::string& name) const;
};

// Writes chunks of a streamed response; false once the client is gone or too slow, or the
// server stops.
class HttpStreamWriter {
 public:
  virtual ~HttpStreamWriter() = default;
  virtual bool Write(std::string_view chunk) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  // When set, the body is this producer's chunks instead of `body`; it returns when done.
  std::function<void(HttpStreamWriter&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1:0";
  // Collected on every /metrics request; may be null (then /metrics is not served).
  std::shared_ptr<prometheus::Registry> registry;
  // When set, /readyz answers 200 while it returns OK and 503 with its message otherwise.
  std::function<absl::Status()> readiness;
  // Connections served at once, each on its own thread (started on demand and kept);
  // further connections wait until one ends.
  int max_connections = 128;
  absl::Duration read_timeout = absl::Seconds(5);   // silence allowed within a request
  absl::Duration write_timeout = absl::Seconds(5);  // a client that does not read
  absl::Duration keep_alive_timeout = absl::Seconds(2);
  absl::Duration request_deadline = absl::Seconds(10);  // one whole request, from its first byte
  size_t max_header_bytes = size_t{64} << 10;           // request line and headers
  size_t max_body_bytes = size_t{1} << 20;              // larger bodies are refused with 413
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a handler for an exact path; method is "GET" or "POST". Before Start() only.
  void Handle(const std::string& method, const std::string& path, HttpHandler handler);
  // Adds a handler for paths matching `pattern` (an ECMAScript regular expression over the
  // whole path); its groups are in HttpRequest::matches. Before Start() only.
  void HandlePattern(const std::string& method, const std::string& pattern, HttpHandler handler);

  // Binds and starts serving in a background thread. InvalidArgument for a bad address,
  // Unavailable when the address cannot be bound, FailedPrecondition when already started.
  absl::Status Start();
  // Stops accepting and joins the serving thread. Idempotent.
  void Stop();

  // The bound port after a successful Start(), else 0.
  int port() const { return port_.load(); }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int> port_{0};
};

}  // namespace microscale

#endif  // MICROSCALE_COMMON_HTTP_HTTP_SERVER_H_
