#include "node-agent/docker/docker_transport.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/http/http_error.h"
#include "common/strings.h"

namespace microscale::docker {
namespace {

std::chrono::microseconds ToChrono(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

void SetTimeouts(httplib::Client& client, absl::Duration timeout) {
  auto t = ToChrono(timeout);
  client.set_connection_timeout(t);
  client.set_read_timeout(t);
  client.set_write_timeout(t);
}

httplib::Result Dispatch(httplib::Client& client, HttpMethod method, const std::string& path,
                         const std::string& body) {
  const char* content_type = "application/json";
  switch (method) {
    case HttpMethod::kGet:
      return client.Get(path);
    case HttpMethod::kHead:
      return client.Head(path);
    case HttpMethod::kDelete:
      return client.Delete(path);
    case HttpMethod::kPost:
      if (body.empty()) return client.Post(path);
      return client.Post(path, body, content_type);
  }
  return client.Get(path);
}

}  // namespace

std::string SocketPathFromHost(std::string_view docker_host) {
  constexpr std::string_view kScheme = "unix://";
  if (docker_host.substr(0, kScheme.size()) == kScheme) docker_host.remove_prefix(kScheme.size());
  return std::string(docker_host);
}

std::string UrlEncode(std::string_view value, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' ||
                 keep.find(static_cast<char>(c)) != std::string_view::npos;
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::unique_ptr<httplib::Client> NewUnixClient(const std::string& socket_path) {
  auto client = std::make_unique<httplib::Client>(socket_path);
  client->set_address_family(AF_UNIX);
  // The engine rejects the socket path as a Host header; any plain name will do.
  client->set_default_headers({{"Host", "localhost"}});
  client->set_keep_alive(true);
  client->set_url_encode(false);  // paths arrive already encoded
  return client;
}

DockerTransport::DockerTransport(std::string socket_path, size_t max_idle_connections)
    : socket_path_(std::move(socket_path)), max_idle_(max_idle_connections) {}

DockerTransport::~DockerTransport() = default;

std::unique_ptr<httplib::Client> DockerTransport::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return NewUnixClient(socket_path_);
}

void DockerTransport::Release(std::unique_ptr<httplib::Client> client) {
  absl::MutexLock lock(&mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

// Why the socket could not be used, with the system's words where it has them: a missing
// socket file and a socket this user may not open are told from an engine that is down.
namespace {

std::string WhyUnreachable(const std::string& socket_path, httplib::Error error) {
  if (error != httplib::Error::Connection) return DescribeHttpError(error);
  struct stat info {};
  if (stat(socket_path.c_str(), &info) != 0) {
    return absl::StrCat(std::strerror(errno), " (is --docker-host right, and dockerd running?)");
  }
  if (!S_ISSOCK(info.st_mode)) return "not a unix socket (is --docker-host right?)";
  if (access(socket_path.c_str(), R_OK | W_OK) != 0) {
    return absl::StrCat(std::strerror(errno),
                        " (run the agent as root or as a member of the socket's group)");
  }
  return "connection refused (the socket is there but dockerd does not answer: is it running?)";
}

}  // namespace

absl::StatusOr<HttpReply> DockerTransport::Send(HttpMethod method, const std::string& path,
                                                const std::string& json_body,
                                                absl::Duration timeout) {
  std::unique_ptr<httplib::Client> client = Acquire();
  SetTimeouts(*client, timeout);
  std::string full_path = absl::StrCat(ToAbsl(kApiPrefix), path);
  httplib::Result result = Dispatch(*client, method, full_path, json_body);
  if (!result) {
    // The connection may be half-broken: drop it rather than pool it.
    return absl::UnavailableError(absl::StrCat("docker engine at ", socket_path_, " unreachable: ",
                                               WhyUnreachable(socket_path_, result.error())));
  }
  HttpReply reply{result->status, std::move(result->body)};
  Release(std::move(client));
  return reply;
}

}  // namespace microscale::docker
