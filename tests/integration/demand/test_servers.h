// Helpers for the demand integration tests: a child process that is always stopped,
// a free loopback port, a temporary directory, and polling for a condition.
// Thread-safety: test-only; use from the test's main thread.
#ifndef MICROSCALE_TESTS_INTEGRATION_DEMAND_TEST_SERVERS_H_
#define MICROSCALE_TESTS_INTEGRATION_DEMAND_TEST_SERVERS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace microscale::testing {

// A port on 127.0.0.1 that nothing listened on a moment ago.
int FreeLoopbackPort();

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool PortAnswers(int port);

// Calls `check` every 50 ms until it returns true or `patience` passes; returns its last
// answer. For waiting on servers, never for timing.
bool Eventually(const std::function<bool()>& check, absl::Duration patience = absl::Seconds(30));

// A directory under /tmp removed with everything in it on scope exit.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A child process started from `argv` (stdout and stderr to `log_path`); SIGTERM, then
// SIGKILL after 10 s, on Stop() or destruction.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void Stop();
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// Whether `program` is on PATH.
bool HaveProgram(const std::string& program);

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_INTEGRATION_DEMAND_TEST_SERVERS_H_
