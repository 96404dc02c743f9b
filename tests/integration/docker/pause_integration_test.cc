// Pause and resume keep a worker's work: DockerContainerRuntime against the real Docker
// Engine, with the demo image's `counter` (prints 1, 2, 3, ... once a second). Paused, the
// count stops; resumed, the same process carries on from the next number: same container
// id, no restart. Label: integration.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "node-agent/docker/docker_runtime.h"
#include "node-agent/docker/docker_transport.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale {
namespace {

using testing::DockerTestEnv;
using testing::kTestImage;

constexpr auto kDeadline = std::chrono::seconds(30);
// How long a paused counter is watched: a running one prints a number a second.
constexpr auto kPausedWindow = std::chrono::milliseconds(3500);

// One line of the counter's output with the time the engine logged it.
struct LogLine {
  absl::Time at;
  int64_t value = 0;
};

// The engine's log stream of a container without a TTY is framed: 8-byte headers (stream
// type, 3 zero bytes, big-endian payload size) each followed by that many bytes.
std::string Demultiplex(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  while (pos + 8 <= raw.size()) {
    uint32_t size = 0;
    for (size_t i = 4; i < 8; ++i) size = (size << 8) | static_cast<unsigned char>(raw[pos + i]);
    pos += 8;
    out.append(raw, pos, std::min<size_t>(size, raw.size() - pos));
    pos += size;
  }
  return out;
}

// Every "<RFC 3339 time> <number>" line of the container's stdout, in order.
std::vector<LogLine> CounterLog(const std::string& id) {
  docker::DockerTransport transport(DockerTestEnv::Get().client().options().socket_path);
  auto reply = transport.Send(docker::HttpMethod::kGet,
                              absl::StrCat("/containers/", id, "/logs?stdout=1&timestamps=1"), "",
                              absl::Seconds(10));
  std::vector<LogLine> lines;
  if (!reply.ok() || reply->status != 200) {
    ADD_FAILURE() << "logs of " << id << ": "
                  << (reply.ok() ? absl::StrCat(reply->status) : reply.status().ToString());
    return lines;
  }
  for (absl::string_view text : absl::StrSplit(Demultiplex(reply->body), '\n')) {
    std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(' ', 1));
    LogLine line;
    std::string error;
    if (parts.size() != 2 || !absl::ParseTime(absl::RFC3339_full, parts[0], &line.at, &error) ||
        !absl::SimpleAtoi(parts[1], &line.value)) {
      continue;
    }
    lines.push_back(line);
  }
  return lines;
}

// Polls `condition` every 100 ms until it holds or kDeadline passes.
bool PollFor(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// The counter printed 1, 2, ..., n with nothing skipped or repeated: one process counted
// all of it (a restart would begin again at 1).
void ExpectOneUnbrokenCount(const std::vector<LogLine>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].value, static_cast<int64_t>(i) + 1) << "line " << i;
  }
}

class PauseIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { DockerTestEnv::Get().SweepAtExit(); }

  void SetUp() override {
    absl::Status ready = DockerTestEnv::Get().Prepare();
    ASSERT_TRUE(ready.ok()) << ready;
    static std::atomic<int> next{0};
    cluster_ = DockerTestEnv::Get().Cluster(absl::StrCat("pause", next++));
    app_ = DockerTestEnv::Get().App("counter");
    runtime_ = NewRuntime();
  }

  std::unique_ptr<DockerContainerRuntime> NewRuntime() const {
    DockerRuntimeOptions options;
    options.cluster = cluster_;
    options.node = "node-1";
    return std::make_unique<DockerContainerRuntime>(options);
  }

  v1::ContainerSpec CounterSpec(bool start_paused) const {
    v1::ContainerSpec spec;
    spec.set_app(app_);
    spec.set_image(kTestImage);
    spec.add_command("counter");
    spec.mutable_resources()->set_cpu_millis(100);
    spec.mutable_resources()->set_memory_bytes(16 << 20);
    spec.set_priority(2);
    spec.set_stop_timeout_seconds(1);
    spec.set_start_paused(start_paused);
    return spec;
  }

  std::string Instance() const { return absl::StrCat(app_, "-0"); }

  docker::ContainerDetails Inspect(const std::string& id) {
    auto details = DockerTestEnv::Get().client().InspectContainer(id);
    EXPECT_TRUE(details.ok()) << details.status();
    return details.ok() ? *details : docker::ContainerDetails{};
  }

  // Waits until the counter has printed at least `n` numbers; returns its log.
  std::vector<LogLine> AwaitCount(const std::string& id, int64_t n) {
    std::vector<LogLine> lines;
    bool reached = PollFor([&] {
      lines = CounterLog(id);
      return !lines.empty() && lines.back().value >= n;
    });
    EXPECT_TRUE(reached) << "counter of " << id << " did not reach " << n;
    return lines;
  }

  // Watches a paused counter for kPausedWindow; every read must equal `frozen`.
  void ExpectFrozen(const std::string& id, const std::vector<LogLine>& frozen) {
    auto until = std::chrono::steady_clock::now() + kPausedWindow;
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      std::vector<LogLine> now = CounterLog(id);
      ASSERT_EQ(now.size(), frozen.size()) << "the paused counter kept counting";
    }
    EXPECT_EQ(Inspect(id).status, "paused");
  }

  testing::ScopedSweep sweep_;  // first member: runs last, after the runtime is gone
  std::string cluster_;
  std::string app_;
  std::unique_ptr<DockerContainerRuntime> runtime_;
};

TEST_F(PauseIntegrationTest, PausedCounterStopsAndResumesWhereItStopped) {
  auto started = runtime_->Start(Instance(), CounterSpec(/*start_paused=*/false));
  ASSERT_TRUE(started.ok()) << started.status();
  const std::string id = started->container_id();
  const docker::ContainerDetails before = Inspect(id);
  AwaitCount(id, 3);

  auto paused = runtime_->Pause(Instance());
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->state(), v1::CONTAINER_STATE_PAUSED);
  const absl::Time paused_at = absl::Now();
  const std::vector<LogLine> frozen = CounterLog(id);
  ASSERT_FALSE(frozen.empty());
  ExpectFrozen(id, frozen);
  const absl::Time resumed_at = absl::Now();

  auto resumed = runtime_->Resume(Instance());
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(resumed->container_id(), id);
  const int64_t last = frozen.back().value;
  std::vector<LogLine> after = AwaitCount(id, last + 2);
  ExpectOneUnbrokenCount(after);
  // Nothing was printed while the container was frozen.
  for (const LogLine& line : after) {
    EXPECT_FALSE(line.at > paused_at && line.at < resumed_at)
        << line.value << " printed at " << line.at << " while paused";
  }
  const docker::ContainerDetails now = Inspect(id);
  EXPECT_EQ(now.id, id);
  EXPECT_EQ(now.status, "running");
  EXPECT_EQ(now.restart_count, 0);
  EXPECT_EQ(now.started_at, before.started_at) << "the process was never restarted";
}

TEST_F(PauseIntegrationTest, StandbyCounterWaitsPausedAndCountsOnceResumed) {
  auto started = runtime_->Start(Instance(), CounterSpec(/*start_paused=*/true));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->state(), v1::CONTAINER_STATE_PAUSED);
  const std::string id = started->container_id();
  const std::vector<LogLine> frozen = CounterLog(id);
  EXPECT_LE(frozen.size(), 1u) << "a standby container barely ran before it was frozen";
  ExpectFrozen(id, frozen);

  auto resumed = runtime_->Resume(Instance());
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->container_id(), id);
  std::vector<LogLine> after = AwaitCount(id, static_cast<int64_t>(frozen.size()) + 2);
  ExpectOneUnbrokenCount(after);
  EXPECT_EQ(Inspect(id).restart_count, 0);
}

TEST_F(PauseIntegrationTest, ARestartedRuntimeFindsThePausedCounterAndResumesIt) {
  auto started = runtime_->Start(Instance(), CounterSpec(/*start_paused=*/false));
  ASSERT_TRUE(started.ok()) << started.status();
  const std::string id = started->container_id();
  AwaitCount(id, 2);
  ASSERT_TRUE(runtime_->Pause(Instance()).ok());
  const std::vector<LogLine> frozen = CounterLog(id);

  runtime_ = NewRuntime();  // an agent restart: the new runtime adopts what it finds
  auto listed = runtime_->List();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].instance(), Instance());
  EXPECT_EQ((*listed)[0].state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ((*listed)[0].container_id(), id);
  EXPECT_EQ(CounterLog(id).size(), frozen.size());

  auto resumed = runtime_->Resume(Instance());
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  std::vector<LogLine> after = AwaitCount(id, frozen.back().value + 2);
  ExpectOneUnbrokenCount(after);
  EXPECT_EQ(Inspect(id).restart_count, 0);
}

}  // namespace
}  // namespace microscale
