// PrivateDockerd: a Docker Engine of the test's own, next to the system one, so a test can
// stop and restart it without disturbing other tests.
//
// It runs from a scratch directory (socket, data root, exec root, pid file) with no bridge,
// no iptables and no masquerading, so containers on it must use `network: none`; dockerd
// starts its own containerd. It runs in a network namespace of its own: dockerd started
// with `--bridge none` deletes any `docker0` interface it sees, which in the host's
// namespace would be the system engine's bridge. Clients reach it through its unix socket. The
// destructor stops it (SIGTERM, then SIGKILL), unmounts what it left mounted under the directory
// and removes the directory, also when the test failed. Thread-compatible: one owner.
#ifndef MICROSCALE_TESTS_E2E_PRIVATE_DOCKERD_H_
#define MICROSCALE_TESTS_E2E_PRIVATE_DOCKERD_H_

#include <string>

#include "absl/status/status.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/net_namespace.h"

namespace microscale::testing {

class PrivateDockerd {
 public:
  PrivateDockerd();
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;

  // Starts dockerd and waits (up to 60 s) until it answers on its socket.
  absl::Status Start();
  // SIGTERM, waiting up to 30 s for it to exit (it stops its containers first).
  void Stop();
  bool running() const { return process_.running(); }
  // Copies `image` from the system engine into this one (docker save | docker load).
  absl::Status LoadImage(const std::string& image);

  const std::string& socket() const { return socket_; }
  std::string Log() const { return process_.Log(); }

 private:
  bool Answers() const;
  void UnmountAll() const;

  NetworkNamespace ns_{/*link=*/false};
  std::string dir_;
  std::string socket_;
  ChildProcess process_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_PRIVATE_DOCKERD_H_
