// DockerTransport: HTTP/1.1 requests to the Docker Engine over its unix socket.
//
// Every path is sent under the pinned API version (/v1.41). Connections are kept alive in a
// small pool: a call takes an idle connection (or opens one), uses it alone, and gives it
// back unless the call broke it. Each call carries its own timeout. A transport failure
// (socket unreachable, connection dropped, timeout) is Unavailable; any HTTP reply, whatever
// its status code, is returned as an HttpReply for the caller to interpret.
// Thread-safety: all methods may be called concurrently.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_DOCKER_TRANSPORT_H_
#define MICROSCALE_NODE_AGENT_DOCKER_DOCKER_TRANSPORT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Client;
}

namespace microscale::docker {

inline constexpr std::string_view kApiPrefix = "/v1.41";

enum class HttpMethod { kGet, kPost, kDelete, kHead };

struct HttpReply {
  int status = 0;
  std::string body;
};

// Accepts "unix:///var/run/docker.sock" or a plain path; returns the socket path.
std::string SocketPathFromHost(std::string_view docker_host);

// Percent-encodes `value` for a URL path segment or query value; characters in `keep`
// (e.g. "/:" for image references) stay as they are.
std::string UrlEncode(std::string_view value, std::string_view keep = "");

// Opens a fresh client for `socket_path` (AF_UNIX, Host: localhost), with keep-alive on.
std::unique_ptr<httplib::Client> NewUnixClient(const std::string& socket_path);

class DockerTransport {
 public:
  explicit DockerTransport(std::string socket_path, size_t max_idle_connections = 8);
  ~DockerTransport();
  DockerTransport(const DockerTransport&) = delete;
  DockerTransport& operator=(const DockerTransport&) = delete;

  // Sends `method` to kApiPrefix + `path` (which includes any query). A non-empty `json_body`
  // is sent as application/json. Unavailable when no HTTP reply arrived within `timeout`.
  absl::StatusOr<HttpReply> Send(HttpMethod method, const std::string& path,
                                 const std::string& json_body, absl::Duration timeout);

  const std::string& socket_path() const { return socket_path_; }

 private:
  std::unique_ptr<httplib::Client> Acquire();
  void Release(std::unique_ptr<httplib::Client> client);

  const std::string socket_path_;
  const size_t max_idle_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_DOCKER_TRANSPORT_H_
