#include "tests/integration/agent/agent_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace microscale::testing {

AgentProcess::AgentProcess(std::string binary, std::vector<std::string> args, std::string log_path)
    : binary_(std::move(binary)), args_(std::move(args)), log_path_(std::move(log_path)) {}

AgentProcess::~AgentProcess() { Kill(); }

absl::Status AgentProcess::Start() {
  if (pid_ > 0) return absl::FailedPreconditionError("agent already running");
  std::vector<char*> argv;
  argv.push_back(binary_.data());
  for (std::string& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path_));
  pid_t pid = fork();
  if (pid < 0) {
    close(log);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    dup2(log, STDERR_FILENO);
    dup2(log, STDOUT_FILENO);
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  close(log);
  pid_ = pid;
  return absl::OkStatus();
}

void AgentProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::StatusOr<int> AgentProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("agent not running");
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() >= deadline) {
      Kill();
      return absl::DeadlineExceededError("agent did not exit after SIGTERM");
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
  if (!WIFEXITED(status)) return absl::InternalError("agent died of a signal");
  return WEXITSTATUS(status);
}

std::string AgentProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace microscale::testing
