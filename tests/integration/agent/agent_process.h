// AgentProcess: the real microscale-agent binary run as a child process by a test.
//
// Starts it with the given flags, its stderr going to a log file the test can print on
// failure. The destructor kills it (SIGKILL) and reaps it, so no agent outlives a test.
// Not thread-safe: one test thread owns it.
#ifndef MICROSCALE_TESTS_INTEGRATION_AGENT_AGENT_PROCESS_H_
#define MICROSCALE_TESTS_INTEGRATION_AGENT_AGENT_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace microscale::testing {

class AgentProcess {
 public:
  AgentProcess(std::string binary, std::vector<std::string> args, std::string log_path);
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  absl::Status Start();
  // SIGKILL and reap: the agent gets no chance to clean anything up.
  void Kill();
  // SIGTERM, then waits up to `timeout` for the exit; returns the exit code.
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(20));
  pid_t pid() const { return pid_; }
  // The agent's stderr so far.
  std::string Log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_INTEGRATION_AGENT_AGENT_PROCESS_H_
