#include "node-agent/agent/command_executor.h"

#include <algorithm>
#include <utility>

#include "common/thread_name.h"

namespace microscale {

std::string CommandType(const v1::ControllerMessage& command) {
  switch (command.body_case()) {
    case v1::ControllerMessage::kStart:
      return "start";
    case v1::ControllerMessage::kStop:
      return "stop";
    case v1::ControllerMessage::kPause:
      return "pause";
    case v1::ControllerMessage::kResume:
      return "resume";
    case v1::ControllerMessage::kSync:
      return "sync";
    default:
      return "unknown";
  }
}

std::string CommandInstance(const v1::ControllerMessage& command) {
  switch (command.body_case()) {
    case v1::ControllerMessage::kStart:
      return command.start().instance();
    case v1::ControllerMessage::kStop:
      return command.stop().instance();
    case v1::ControllerMessage::kPause:
      return command.pause().instance();
    case v1::ControllerMessage::kResume:
      return command.resume().instance();
    default:
      return "";
  }
}

bool IsContainerCommand(const v1::ControllerMessage& message) {
  switch (message.body_case()) {
    case v1::ControllerMessage::kStart:
    case v1::ControllerMessage::kStop:
    case v1::ControllerMessage::kPause:
    case v1::ControllerMessage::kResume:
      return true;
    default:
      return false;
  }
}

CommandExecutor::CommandExecutor(int workers, Runner runner, Reporter reporter)
    : runner_(std::move(runner)), reporter_(std::move(reporter)) {
  if (workers < 1) workers = 1;
  for (int i = 0; i < workers; ++i)
    workers_.emplace_back([this] {
      NameThisThread("command");
      WorkerLoop();
    });
}

CommandExecutor::~CommandExecutor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    queued_.clear();
  }
  for (std::thread& t : workers_) t.join();
}

void CommandExecutor::Submit(const v1::ControllerMessage& command, uint64_t epoch) {
  const std::string instance = CommandInstance(command);
  const std::string type = CommandType(command);
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Job> last = LastJobLocked(instance);
  if (last != nullptr && last->type == type) {
    last->ids.emplace_back(command.command_id(), epoch);
    return;
  }
  auto job = std::make_shared<Job>();
  job->command = command;
  job->instance = instance;
  job->type = type;
  job->ids.emplace_back(command.command_id(), epoch);
  if (type == "stop" && last != nullptr && last->type == "start") {
    auto queued = std::find(queued_.begin(), queued_.end(), last);
    if (queued != queued_.end()) {  // not begun
      job->withdrawn = std::move(last->ids);
      *queued = std::move(job);
      return;
    }
  }
  queued_.push_back(std::move(job));
}

void CommandExecutor::DropQueued() {
  absl::MutexLock lock(&mu_);
  queued_.clear();
}

std::shared_ptr<CommandExecutor::Job> CommandExecutor::LastJobLocked(
    const std::string& instance) const {
  for (auto it = queued_.rbegin(); it != queued_.rend(); ++it) {
    if ((*it)->instance == instance) return *it;
  }
  auto running = running_.find(instance);
  if (running == running_.end() || running->second->finished) return nullptr;
  return running->second;
}

bool CommandExecutor::HasRunnableLocked() const {
  for (const auto& job : queued_) {
    if (running_.count(job->instance) == 0) return true;
  }
  return false;
}

std::shared_ptr<CommandExecutor::Job> CommandExecutor::TakeRunnableLocked() {
  for (auto it = queued_.begin(); it != queued_.end(); ++it) {
    if (running_.count((*it)->instance) != 0) continue;
    std::shared_ptr<Job> job = *it;
    queued_.erase(it);
    running_[job->instance] = job;
    return job;
  }
  return nullptr;
}

void CommandExecutor::WorkerLoop() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || HasRunnableLocked();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      job = TakeRunnableLocked();
    }
    for (const auto& [id, epoch] : job->withdrawn) {
      reporter_(id, "start", epoch, CommandOutcome{absl::OkStatus(), std::nullopt});
    }
    CommandOutcome outcome = runner_(job->command);
    std::vector<std::pair<std::string, uint64_t>> ids;
    {
      absl::MutexLock lock(&mu_);
      job->finished = true;
      ids = job->ids;
    }
    // Reported while the instance is still busy, so its results go out in command order.
    for (const auto& [id, epoch] : ids) reporter_(id, job->type, epoch, outcome);
    absl::MutexLock lock(&mu_);
    running_.erase(job->instance);
  }
}

}  // namespace microscale
