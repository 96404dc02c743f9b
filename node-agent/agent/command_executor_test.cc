#include "node-agent/agent/command_executor.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node-agent/agent/testing/eventually.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;

v1::ControllerMessage StartOf(const std::string& id, const std::string& instance) {
  v1::ControllerMessage m;
  m.set_command_id(id);
  m.mutable_start()->set_instance(instance);
  return m;
}

v1::ControllerMessage StopOf(const std::string& id, const std::string& instance) {
  v1::ControllerMessage m;
  m.set_command_id(id);
  m.mutable_stop()->set_instance(instance);
  return m;
}

// Records the order of runs and reports; runs of instances named "held..." wait for Release().
class Recorder {
 public:
  CommandOutcome Run(const v1::ControllerMessage& c) {
    absl::MutexLock lock(&mu_);
    runs_.push_back(c.command_id());
    if (CommandInstance(c).starts_with("held")) mu_.Await(absl::Condition(&released_));
    return {absl::OkStatus(), std::nullopt};
  }
  void Report(const std::string& id, const std::string& type, uint64_t epoch,
              const CommandOutcome& outcome) {
    absl::MutexLock lock(&mu_);
    reports_.push_back(id + "@" + std::to_string(epoch));
    outcomes_.push_back(id + " " + type + (outcome.status.ok() ? " ok" : " failed") +
                        (outcome.container ? " with a container" : ""));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  std::vector<std::string> runs() const {
    absl::MutexLock lock(&mu_);
    return runs_;
  }
  std::vector<std::string> reports() const {
    absl::MutexLock lock(&mu_);
    return reports_;
  }
  std::vector<std::string> outcomes() const {
    absl::MutexLock lock(&mu_);
    return outcomes_;
  }

 private:
  mutable absl::Mutex mu_;
  bool released_ = false;
  std::vector<std::string> runs_;
  std::vector<std::string> reports_;
  std::vector<std::string> outcomes_;
};

class CommandExecutorTest : public ::testing::Test {
 protected:
  Recorder recorder_;
  CommandExecutor executor_{
      2, [this](const v1::ControllerMessage& c) { return recorder_.Run(c); },
      [this](const std::string& id, const std::string& type, uint64_t epoch,
             const CommandOutcome& outcome) { recorder_.Report(id, type, epoch, outcome); }};
};

TEST_F(CommandExecutorTest, DuplicateOfARunningCommandSharesItsOutcome) {
  executor_.Submit(StartOf("c1", "held"), 1);
  ASSERT_TRUE(Eventually([&] { return recorder_.runs().size() == 1; }));
  executor_.Submit(StartOf("c2", "held"), 1);
  recorder_.Release();
  ASSERT_TRUE(Eventually([&] { return recorder_.reports().size() == 2; }));
  EXPECT_THAT(recorder_.runs(), ElementsAre("c1"));
  EXPECT_THAT(recorder_.reports(), ElementsAre("c1@1", "c2@1"));
}

TEST_F(CommandExecutorTest, CommandsOfOneInstanceRunInOrderOneAtATime) {
  executor_.Submit(StartOf("c1", "held"), 1);
  ASSERT_TRUE(Eventually([&] { return recorder_.runs().size() == 1; }));
  executor_.Submit(StopOf("c2", "held"), 1);
  executor_.Submit(StartOf("c3", "held"), 1);
  executor_.Submit(StartOf("c4", "other"), 1);
  // The other instance runs on the second worker while "held" is busy.
  ASSERT_TRUE(Eventually([&] { return recorder_.reports().size() == 1; }));
  EXPECT_THAT(recorder_.reports(), ElementsAre("c4@1"));
  recorder_.Release();
  ASSERT_TRUE(Eventually([&] { return recorder_.reports().size() == 4; }));
  EXPECT_THAT(recorder_.runs(), ElementsAre("c1", "c4", "c2", "c3"));
}

// A scale-down that comes right after a scale-up: the starts not begun yet are withdrawn
// (never run, reported done with no container just before their stop), and the stops run.
TEST_F(CommandExecutorTest, AStopWithdrawsAStartOfItsInstanceThatHasNotBegun) {
  executor_.Submit(StartOf("c1", "held"), 1);
  executor_.Submit(StartOf("c2", "held-too"), 1);
  ASSERT_TRUE(Eventually([&] { return recorder_.runs().size() == 2; }));  // both workers busy
  executor_.Submit(StartOf("c3", "new"), 1);
  executor_.Submit(StartOf("c4", "new"), 1);  // a duplicate, coalesced into c3
  executor_.Submit(StartOf("c5", "kept"), 1);
  executor_.Submit(StopOf("c6", "new"), 2);
  recorder_.Release();
  ASSERT_TRUE(Eventually([&] { return recorder_.reports().size() == 6; }));
  EXPECT_THAT(recorder_.runs(), ::testing::UnorderedElementsAre("c1", "c2", "c5", "c6"));
  // The instance's results in the order they went out (other instances' results, from the
  // other worker, may come between them).
  std::vector<std::string> of_new;
  for (const std::string& line : recorder_.outcomes()) {
    if (line.starts_with("c3 ") || line.starts_with("c4 ") || line.starts_with("c6 ")) {
      of_new.push_back(line);
    }
  }
  EXPECT_THAT(of_new, ElementsAre("c3 start ok", "c4 start ok", "c6 stop ok"));
}

// A start that has begun is not withdrawn: the stop waits for it and then runs.
TEST_F(CommandExecutorTest, AStopAfterAStartThatHasBegunRunsAfterIt) {
  executor_.Submit(StartOf("c1", "held"), 1);
  ASSERT_TRUE(Eventually([&] { return recorder_.runs().size() == 1; }));
  executor_.Submit(StopOf("c2", "held"), 1);
  recorder_.Release();
  ASSERT_TRUE(Eventually([&] { return recorder_.reports().size() == 2; }));
  EXPECT_THAT(recorder_.runs(), ElementsAre("c1", "c2"));
  EXPECT_THAT(recorder_.outcomes(), ElementsAre("c1 start ok", "c2 stop ok"));
}

TEST_F(CommandExecutorTest, DropQueuedForgetsCommandsNotStarted) {
  executor_.Submit(StartOf("c1", "held"), 1);
  ASSERT_TRUE(Eventually([&] { return recorder_.runs().size() == 1; }));
  executor_.Submit(StopOf("c2", "held"), 1);
  executor_.DropQueued();
  executor_.Submit(StopOf("c3", "held"), 2);
  recorder_.Release();
  ASSERT_TRUE(Eventually([&] { return recorder_.reports().size() == 2; }));
  EXPECT_THAT(recorder_.runs(), ElementsAre("c1", "c3"));
  EXPECT_THAT(recorder_.reports(), ElementsAre("c1@1", "c3@2"));
}

}  // namespace
}  // namespace microscale
