// ConnectionStream: the httplib::Stream of one server connection, with a deadline and a
// byte budget per request (see GuardedServer).
//
// Reads are buffered. Each read or write waits for the socket at most its timeout, and
// never past the current request's deadline; once the deadline has passed or the budget is
// spent, reads fail, which makes httplib answer nothing more and close the connection.
// Thread-safety: used by one thread, the one serving the connection.
#ifndef MICROSCALE_COMMON_HTTP_CONNECTION_STREAM_H_
#define MICROSCALE_COMMON_HTTP_CONNECTION_STREAM_H_

#include <httplib.h>

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace microscale::http_internal {

class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(socket_t sock, absl::Duration read_timeout, absl::Duration write_timeout);

  // Waits up to `timeout` for the first byte of a next request; false if none came.
  bool WaitForRequest(absl::Duration timeout);
  // Starts a request: it must be read by `deadline`, in at most `max_bytes` bytes.
  void BeginRequest(absl::Time deadline, size_t max_bytes);

  // The stream of the connection this thread serves (null outside one), and lifting its
  // request deadline for a streamed response: its writes are then timed one by one only.
  static ConnectionStream* Current();
  static void LiftDeadlineOfCurrent();

  // Makes this the current stream of the calling thread while it lives.
  class Scope {
   public:
    explicit Scope(ConnectionStream* stream);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

 private:
  // Waits for `events` at most `timeout`, never past the deadline; true when ready.
  bool WaitFor(short events, absl::Duration timeout) const;

  const socket_t sock_;
  const absl::Duration read_timeout_;
  const absl::Duration write_timeout_;
  absl::Time deadline_ = absl::InfiniteFuture();
  size_t budget_ = 0;
  std::string buffer_;
  size_t buffer_pos_ = 0;
};

}  // namespace microscale::http_internal

#endif  // MICROSCALE_COMMON_HTTP_CONNECTION_STREAM_H_
