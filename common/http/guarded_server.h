// GuardedServer: an httplib::Server whose connections cannot be held hostage.
//
// httplib bounds each read by a timeout but not a whole request, and not the bytes of a
// request's header, so a client that trickles a header byte by byte, or sends header lines
// without end, keeps a thread (and ever more memory) for as long as it likes. This server
// serves each connection itself on a ConnectionStream that enforces, per request:
//  - a deadline: the whole request (line, headers, body) must arrive within
//    `request_deadline` of its first byte, else the connection is closed;
//  - a byte budget: at most `max_header_bytes` + `max_body_bytes` are read for one request
//    (a larger declared body is refused by httplib with 413);
// and between requests waits at most the keep-alive timeout (the first request: the read
// timeout). Stop() also cuts every open connection at once instead of waiting for them.
// Thread-safety: as httplib::Server; Stop() may be called from any thread.
#ifndef MICROSCALE_COMMON_HTTP_GUARDED_SERVER_H_
#define MICROSCALE_COMMON_HTTP_GUARDED_SERVER_H_

#include <httplib.h>

#include <cstddef>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace microscale::http_internal {

struct ConnectionLimits {
  absl::Duration read_timeout = absl::Seconds(5);   // silence allowed within a request
  absl::Duration write_timeout = absl::Seconds(5);  // a client that does not read
  absl::Duration keep_alive_timeout = absl::Seconds(2);
  absl::Duration request_deadline = absl::Seconds(10);
  size_t max_header_bytes = size_t{64} << 10;  // request line and headers
  size_t max_body_bytes = size_t{1} << 20;
  int listen_backlog = 128;
};

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(ConnectionLimits limits);

  // Deepens the listen queue of a bound server (httplib listens with a backlog of 5).
  void DeepenListenQueue();
  // Stops accepting and shuts every open connection down.
  void StopAndCut();

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool Register(socket_t sock);
  void Unregister(socket_t sock);

  const ConnectionLimits limits_;
  absl::Mutex mu_;
  std::set<socket_t> open_ ABSL_GUARDED_BY(mu_);
  bool cutting_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace microscale::http_internal

#endif  // MICROSCALE_COMMON_HTTP_GUARDED_SERVER_H_
