#include "common/http/testing/raw_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace microscale::testing {
namespace {

// Polls `fd` for `events` until `deadline`; the revents, or 0 on timeout.
short PollUntil(int fd, short events, absl::Time deadline) {
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return 0;
    pollfd p{fd, events, 0};
    int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready > 0) return p.revents;
    if (ready < 0 && errno != EINTR) return POLLERR;
  }
}

}  // namespace

absl::StatusOr<RawConnection> RawConnection::Connect(int port, absl::Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError("socket() failed");
  RawConnection connection(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    return absl::UnavailableError(absl::StrCat("connect to port ", port, " failed"));
  }
  if ((PollUntil(fd, POLLOUT, absl::Now() + timeout) & POLLOUT) == 0) {
    return absl::UnavailableError(absl::StrCat("connect to port ", port, " timed out"));
  }
  int error = 0;
  socklen_t len = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
    return absl::UnavailableError(absl::StrCat("connect to port ", port, " refused"));
  }
  return connection;
}

RawConnection::RawConnection(RawConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

RawConnection& RawConnection::operator=(RawConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

size_t RawConnection::Send(std::string_view data, absl::Duration timeout) {
  size_t sent = 0;
  const absl::Time deadline = absl::Now() + timeout;
  while (sent < data.size()) {
    ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    if ((PollUntil(fd_, POLLOUT, deadline) & POLLOUT) == 0) break;
  }
  return sent;
}

std::string RawConnection::Receive(absl::Duration timeout, size_t max_bytes) {
  std::string out;
  if ((PollUntil(fd_, POLLIN, absl::Now() + timeout) & (POLLIN | POLLHUP | POLLERR)) == 0) {
    return out;
  }
  char buffer[4096];
  while (out.size() < max_bytes) {
    ssize_t n = recv(fd_, buffer, std::min(sizeof(buffer), max_bytes - out.size()), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

std::optional<size_t> RawConnection::ReadUntilClosed(absl::Time deadline) {
  char buffer[65536];
  size_t total = 0;
  while (true) {
    if (PollUntil(fd_, POLLIN, deadline) == 0) return std::nullopt;
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) return total;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return total;  // reset
    if (n > 0) total += static_cast<size_t>(n);
  }
}

bool RawConnection::ClosedByPeer(absl::Time deadline) {
  char buffer[4096];
  while (true) {
    short events = PollUntil(fd_, POLLIN, deadline);
    if (events == 0) return false;
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset
  }
}

}  // namespace microscale::testing
