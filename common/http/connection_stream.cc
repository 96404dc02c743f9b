#include "common/http/connection_stream.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/time/clock.h"

namespace microscale::http_internal {
namespace {

constexpr size_t kReadChunk = 4096;

thread_local ConnectionStream* current_stream = nullptr;

// The numeric address and port of a socket's peer or own end.
void AddressOf(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  auto* raw = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? getpeername(sock, raw, &len) : getsockname(sock, raw, &len)) != 0) return;
  char host[NI_MAXHOST] = {};
  char service[NI_MAXSERV] = {};
  if (getnameinfo(raw, len, host, sizeof(host), service, sizeof(service),
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return;
  }
  ip = host;
  port = std::atoi(service);
}

}  // namespace

ConnectionStream::ConnectionStream(socket_t sock, absl::Duration read_timeout,
                                   absl::Duration write_timeout)
    : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

bool ConnectionStream::WaitForRequest(absl::Duration timeout) {
  deadline_ = absl::InfiniteFuture();
  return buffer_pos_ < buffer_.size() || WaitFor(POLLIN, timeout);
}

void ConnectionStream::BeginRequest(absl::Time deadline, size_t max_bytes) {
  deadline_ = deadline;
  budget_ = max_bytes;
}

ConnectionStream* ConnectionStream::Current() { return current_stream; }

void ConnectionStream::LiftDeadlineOfCurrent() {
  if (current_stream != nullptr) current_stream->deadline_ = absl::InfiniteFuture();
}

ConnectionStream::Scope::Scope(ConnectionStream* stream) { current_stream = stream; }

ConnectionStream::Scope::~Scope() { current_stream = nullptr; }

bool ConnectionStream::WaitFor(short events, absl::Duration timeout) const {
  while (true) {
    absl::Duration left = std::min(timeout, deadline_ - absl::Now());
    if (left <= absl::ZeroDuration()) return false;
    pollfd fd{sock_, events, 0};
    int ready = poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

bool ConnectionStream::is_readable() const {
  return buffer_pos_ < buffer_.size() || WaitFor(POLLIN, read_timeout_);
}

bool ConnectionStream::is_writable() const { return WaitFor(POLLOUT, write_timeout_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (budget_ == 0) return -1;
  if (buffer_pos_ == buffer_.size()) {
    if (!WaitFor(POLLIN, read_timeout_)) return -1;
    buffer_.resize(kReadChunk);
    ssize_t n = recv(sock_, buffer_.data(), buffer_.size(), 0);
    buffer_.resize(n > 0 ? static_cast<size_t>(n) : 0);
    buffer_pos_ = 0;
    if (n <= 0) return n;
  }
  size_t n = std::min({size, buffer_.size() - buffer_pos_, budget_});
  std::memcpy(ptr, buffer_.data() + buffer_pos_, n);
  buffer_pos_ += n;
  budget_ -= n;
  return static_cast<ssize_t>(n);
}

// Never blocks in send: a blocking send of a large answer waits for as long as a slow
// reader likes, past every deadline. What fits goes now; httplib writes the rest in the next
// call, which waits for room again, within the deadline.
ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  while (true) {
    if (!WaitFor(POLLOUT, write_timeout_)) return -1;
    ssize_t n = send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return n;
  }
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  AddressOf(sock_, /*peer=*/true, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  AddressOf(sock_, /*peer=*/false, ip, port);
}

}  // namespace microscale::http_internal
