// ChildProcess: a program the test starts, with its stderr and stdout in a log file.
//
// The destructor kills it (SIGKILL) and reaps it, so a failing test leaves no process
// behind. Thread-compatible: one owner.
#ifndef MICROSCALE_TESTS_E2E_CHILD_PROCESS_H_
#define MICROSCALE_TESTS_E2E_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace microscale::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::string& log_path);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool running() const;
  void Signal(int signal) const;
  // SIGKILL and reap.
  void Kill();
  // SIGTERM, then SIGKILL if still alive after `grace_ms`; reaps. Returns the exit status.
  int Terminate(int grace_ms = 10000);
  // Waits up to `timeout_ms` for the process to exit by itself and reaps it: its exit
  // status (128 + signal when killed), or -1 if it is still running (left running).
  int WaitExit(int timeout_ms);
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `binary args...` to completion, capturing stdout and stderr, feeding `input` on stdin.
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::string& input = "");

// A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range so that no
// outgoing connection takes it before the caller listens.
int FreePort();

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_CHILD_PROCESS_H_
