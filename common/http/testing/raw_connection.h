// RawConnection: a plain TCP client socket for tests that play hostile clients (silent,
// slow, garbage-sending, oversized) against a server on loopback.
//
// Every call is bounded: connect and send give up after a timeout, and ClosedByPeer polls
// with a deadline. The destructor closes the socket. Thread-compatible; for tests only.
#ifndef MICROSCALE_COMMON_HTTP_TESTING_RAW_CONNECTION_H_
#define MICROSCALE_COMMON_HTTP_TESTING_RAW_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace microscale::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port`; Unavailable if it cannot within `timeout`.
  static absl::StatusOr<RawConnection> Connect(int port,
                                               absl::Duration timeout = absl::Seconds(10));
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  // Sends all of `data` unless the peer closed or it would block longer than `timeout`;
  // returns the bytes sent.
  size_t Send(std::string_view data, absl::Duration timeout = absl::Seconds(5));
  // Reads what has arrived, at most `max_bytes` (waiting up to `timeout` for the first
  // byte); "" if nothing.
  std::string Receive(absl::Duration timeout, size_t max_bytes = SIZE_MAX);
  // Reads until the peer closes or resets the connection; the bytes read, or nullopt if it
  // was still open at `deadline`.
  std::optional<size_t> ReadUntilClosed(absl::Time deadline);
  // True when the peer closed or reset the connection before `deadline` (data it sends
  // meanwhile is read and dropped).
  bool ClosedByPeer(absl::Time deadline);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_COMMON_HTTP_TESTING_RAW_CONNECTION_H_
