#include "common/http/guarded_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "common/http/connection_stream.h"

namespace microscale::http_internal {

GuardedServer::GuardedServer(ConnectionLimits limits) : limits_(limits) {
  set_payload_max_length(limits_.max_body_bytes);
}

void GuardedServer::DeepenListenQueue() {
  socket_t sock = svr_sock_.load();
  if (sock != INVALID_SOCKET) ::listen(sock, limits_.listen_backlog);
}

void GuardedServer::StopAndCut() {
  {
    absl::MutexLock lock(&mu_);
    cutting_ = true;
    for (socket_t sock : open_) ::shutdown(sock, SHUT_RDWR);
  }
  stop();
}

bool GuardedServer::Register(socket_t sock) {
  absl::MutexLock lock(&mu_);
  if (cutting_) return false;
  open_.insert(sock);
  return true;
}

void GuardedServer::Unregister(socket_t sock) {
  absl::MutexLock lock(&mu_);
  open_.erase(sock);
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  bool ok = false;
  if (Register(sock)) {
    ConnectionStream stream(sock, limits_.read_timeout, limits_.write_timeout);
    ConnectionStream::Scope current(&stream);
    absl::Duration wait = limits_.read_timeout;  // for the first request
    for (size_t served = 0; served < keep_alive_max_count_; ++served) {
      if (svr_sock_.load() == INVALID_SOCKET || !stream.WaitForRequest(wait)) break;
      stream.BeginRequest(absl::Now() + limits_.request_deadline,
                          limits_.max_header_bytes + limits_.max_body_bytes);
      bool closed = false;
      ok = process_request(stream, served + 1 == keep_alive_max_count_, closed, nullptr);
      if (!ok || closed) break;
      wait = limits_.keep_alive_timeout;
    }
    Unregister(sock);  // before close: the number may be reused at once
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace microscale::http_internal
