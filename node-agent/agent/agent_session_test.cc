#include "node-agent/agent/agent_session.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "node-agent/agent/testing/eventually.h"
#include "node-agent/agent/testing/fake_container_runtime.h"
#include "node-agent/agent/testing/test_agent_gateway.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;
using Messages = std::vector<v1::AgentMessage>;

v1::Container Running(const std::string& instance, const std::string& app) {
  v1::Container c;
  c.set_instance(instance);
  c.set_app(app);
  c.set_state(v1::CONTAINER_STATE_RUNNING);
  c.set_container_id("existing-" + instance);
  return c;
}

v1::ControllerMessage Start(const std::string& id, const std::string& instance) {
  v1::ControllerMessage m;
  m.set_command_id(id);
  m.mutable_start()->set_instance(instance);
  m.mutable_start()->mutable_spec()->set_app("web");
  m.mutable_start()->mutable_spec()->set_image("microscale/demo:test");
  return m;
}

v1::ControllerMessage Stop(const std::string& id, const std::string& instance) {
  v1::ControllerMessage m;
  m.set_command_id(id);
  m.mutable_stop()->set_instance(instance);
  m.mutable_stop()->set_timeout_seconds(1);
  return m;
}

const v1::Hello* LastHello(const Messages& messages) {
  const v1::Hello* hello = nullptr;
  for (const auto& m : messages) {
    if (m.has_hello()) hello = &m.hello();
  }
  return hello;
}

bool Lists(const google::protobuf::RepeatedPtrField<v1::Container>& containers,
           const std::string& instance) {
  for (const auto& c : containers) {
    if (c.instance() == instance) return true;
  }
  return false;
}

v1::ContainerEvent EventOf(const std::string& instance, v1::ContainerEvent::Kind kind,
                           int exit_code = 0) {
  v1::ContainerEvent event;
  event.mutable_container()->set_instance(instance);
  event.mutable_container()->set_app("web");
  event.set_kind(kind);
  event.set_exit_code(exit_code);
  return event;
}

class AgentSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(gateway_.Start().ok()); }

  void TearDown() override {
    if (session_ != nullptr) {
      session_->Shutdown();
      run_.join();
      session_.reset();
    }
  }

  AgentSessionOptions Options() {
    AgentSessionOptions o;
    o.controller = gateway_.address();
    o.node_name = "node-a";
    o.cluster = "test";
    o.labels = {{"zone", "z1"}};
    o.agent_version = "0.0.0-test";
    o.heartbeat_interval = absl::Milliseconds(100);
    o.reconnect_backoff.initial = absl::Milliseconds(50);
    o.reconnect_backoff.max = absl::Milliseconds(500);
    return o;
  }

  void StartAgent(const AgentSessionOptions& options) {
    session_ = std::make_unique<AgentSession>(options, &runtime_, &metrics_);
    run_ = std::thread([this] { session_->Run(); });
  }
  void StartAgent() { StartAgent(Options()); }
  // Starts the agent, sends it start c1 of web-2 with the runtime holding starts, and has
  // the engine report web-2 started while the start call runs (until ReleaseStarts).
  void StartWithItsEventWhileItRuns() {
    runtime_.HoldStarts();
    StartAgent();
    ASSERT_TRUE(gateway_.WaitForOpenStream());
    ASSERT_TRUE(gateway_.Send(Start("c1", "web-2")));
    ASSERT_TRUE(Eventually([&] { return runtime_.blocked_starts() == 1; }));
    runtime_.Emit(EventOf("web-2", v1::ContainerEvent::STARTED));
  }

  bool WaitForResult(const std::string& id) {
    return gateway_.WaitFor([&](const Messages& m) { return FindResult(m, id) != nullptr; });
  }
  v1::CommandResult Result(const std::string& id) {
    const Messages messages = gateway_.received();
    const v1::CommandResult* r = FindResult(messages, id);
    return r == nullptr ? v1::CommandResult() : *r;
  }
  std::string MetricsText() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  FakeContainerRuntime runtime_;
  prometheus::Registry registry_;
  AgentMetrics metrics_{registry_};
  TestAgentGateway gateway_;
  std::unique_ptr<AgentSession> session_;
  std::thread run_;
};

TEST_F(AgentSessionTest, HelloDescribesTheNodeAndAdoptsItsContainers) {
  runtime_.AddExisting(Running("web-1", "web"));
  runtime_.AddExisting(Running("batch-7", "batch"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  const Messages messages = gateway_.received();
  const v1::Hello* last = LastHello(messages);
  ASSERT_NE(last, nullptr);
  const v1::Hello& hello = *last;
  EXPECT_EQ(hello.node_name(), "node-a");
  EXPECT_EQ(hello.cluster(), "test");
  EXPECT_EQ(hello.runtime(), "fake");
  EXPECT_EQ(hello.agent_version(), "0.0.0-test");
  EXPECT_TRUE(hello.accepts_batches());
  EXPECT_EQ(hello.labels().at("zone"), "z1");
  EXPECT_EQ(hello.capacity().cpu_millis(), 4000);
  EXPECT_EQ(hello.capacity().memory_bytes(), int64_t{8} << 30);
  ASSERT_EQ(hello.containers_size(), 2);
  EXPECT_TRUE(Lists(hello.containers(), "web-1"));
  EXPECT_TRUE(Lists(hello.containers(), "batch-7"));
  for (const auto& c : hello.containers()) EXPECT_EQ(c.node(), "node-a");
  EXPECT_TRUE(Eventually([&] { return session_->connected(); }));
  EXPECT_THAT(MetricsText(), HasSubstr("microscale_agent_controller_connected 1"));
}

TEST_F(AgentSessionTest, CapacityFlagsOverrideTheRuntime) {
  AgentSessionOptions options = Options();
  options.cpu_millis = 1500;
  options.max_containers = 7;
  options.host_ports = 2768;
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  const Messages messages = gateway_.received();
  const v1::Hello* last = LastHello(messages);
  ASSERT_NE(last, nullptr);
  const v1::Hello& hello = *last;
  EXPECT_EQ(hello.capacity().cpu_millis(), 1500);
  EXPECT_EQ(hello.capacity().memory_bytes(), int64_t{8} << 30);
  EXPECT_EQ(hello.capacity().max_containers(), 7);
  EXPECT_EQ(hello.capacity().ports(), 2768);
}

TEST_F(AgentSessionTest, RunsCommandsAndReturnsTheirResults) {
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.Send(Start("c1", "web-2")));
  ASSERT_TRUE(WaitForResult("c1"));
  v1::CommandResult started = Result("c1");
  EXPECT_TRUE(started.ok()) << started.error();
  EXPECT_EQ(started.container().instance(), "web-2");
  EXPECT_EQ(started.container().state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(started.container().node(), "node-a");
  EXPECT_EQ(runtime_.containers().count("web-2"), 1u);

  v1::ControllerMessage pause;
  pause.set_command_id("c2");
  pause.mutable_pause()->set_instance("web-2");
  ASSERT_TRUE(gateway_.Send(pause));
  ASSERT_TRUE(WaitForResult("c2"));
  EXPECT_EQ(Result("c2").container().state(), v1::CONTAINER_STATE_PAUSED);

  v1::ControllerMessage resume;
  resume.set_command_id("c3");
  resume.mutable_resume()->set_instance("web-2");
  ASSERT_TRUE(gateway_.Send(resume));
  ASSERT_TRUE(WaitForResult("c3"));
  EXPECT_EQ(Result("c3").container().state(), v1::CONTAINER_STATE_RUNNING);

  ASSERT_TRUE(gateway_.Send(Stop("c4", "web-2")));
  ASSERT_TRUE(WaitForResult("c4"));
  EXPECT_TRUE(Result("c4").ok());
  EXPECT_EQ(runtime_.containers().count("web-2"), 0u);
  EXPECT_THAT(MetricsText(),
              HasSubstr("microscale_agent_commands_total{result=\"ok\",type=\"start\"} 1"));
}

TEST_F(AgentSessionTest, RunsEachCommandOfABatchAndReturnsEachResult) {
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  v1::ControllerMessage batch;
  *batch.mutable_batch()->add_commands() = Start("c1", "web-1");
  *batch.mutable_batch()->add_commands() = Start("c2", "web-2");
  v1::ControllerMessage* sync = batch.mutable_batch()->add_commands();
  sync->set_command_id("c3");
  sync->mutable_sync();
  ASSERT_TRUE(gateway_.Send(batch));
  ASSERT_TRUE(WaitForResult("c1"));
  ASSERT_TRUE(WaitForResult("c2"));
  ASSERT_TRUE(WaitForResult("c3"));
  EXPECT_TRUE(Result("c1").ok()) << Result("c1").error();
  EXPECT_TRUE(Result("c2").ok()) << Result("c2").error();
  EXPECT_EQ(runtime_.containers().count("web-1"), 1u);
  EXPECT_EQ(runtime_.containers().count("web-2"), 1u);
  // Only commands on containers ride in a batch.
  EXPECT_FALSE(Result("c3").ok());
  EXPECT_THAT(Result("c3").error(), HasSubstr("a batch holds only start, stop, pause and resume"));
}

// A heartbeat's list is never older than a result sent before it on the stream. The
// controller takes each message in order, so a list taken before a start finished and sent
// after its result would drop the new container from the controller's view (and a list
// taken before a stop finished would bring the stopped one back, to be stopped again).
// Starts, then stops, run while heartbeats go out every millisecond. (A list may be newer
// than the results before it: the table changes before the result is queued.)
TEST_F(AgentSessionTest, AHeartbeatNeverListsWhatAResultSentBeforeItChanged) {
  AgentSessionOptions options = Options();
  options.heartbeat_interval = absl::Milliseconds(1);
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  constexpr int kContainers = 200;
  size_t before_stops = 0;  // messages received before the first stop went out
  for (const char* kind : {"start", "stop"}) {
    const bool start = std::string_view(kind) == "start";
    if (!start) before_stops = gateway_.received().size();
    std::vector<std::string> ids;
    for (int i = 0; i < kContainers; ++i) {
      ids.push_back(absl::StrCat(kind, "-", i));
      const std::string instance = absl::StrCat("web-", i);
      ASSERT_TRUE(gateway_.Send(start ? Start(ids.back(), instance) : Stop(ids.back(), instance)));
    }
    ASSERT_TRUE(gateway_.WaitFor([&](const Messages& m) {
      for (const std::string& id : ids) {
        if (FindResult(m, id) == nullptr) return false;
      }
      return true;
    }));
  }
  // Replays the stream as the controller reads it.
  const Messages messages = gateway_.received();
  std::map<std::string, bool> running;  // by instance, as the last result left it
  int lists = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const v1::AgentMessage& m = messages[i];
    if (m.has_result() && m.result().ok()) {
      const std::string& id = m.result().command_id();
      running[absl::StrCat("web-", id.substr(id.find('-') + 1))] = absl::StartsWith(id, "start");
    }
    if (!m.has_heartbeat() || m.heartbeat().unchanged()) continue;
    ++lists;
    for (const auto& [instance, up] : running) {
      const bool listed = Lists(m.heartbeat().containers(), instance);
      if (up && i < before_stops) {
        EXPECT_TRUE(listed) << instance << " started, then a heartbeat left it out";
      }
      if (!up) {
        EXPECT_FALSE(listed) << instance << " stopped, then a heartbeat listed it";
      }
    }
  }
  EXPECT_GT(lists, 2);
}

TEST_F(AgentSessionTest, AFailedCommandCarriesTheRuntimeError) {
  runtime_.FailStarts(
      absl::FailedPreconditionError("image microscale/demo:test not found locally"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.Send(Start("c1", "web-2")));
  ASSERT_TRUE(WaitForResult("c1"));
  v1::CommandResult result = Result("c1");
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("image microscale/demo:test not found locally"));
  EXPECT_THAT(MetricsText(),
              HasSubstr("microscale_agent_commands_total{result=\"error\",type=\"start\"} 1"));
}

TEST_F(AgentSessionTest, AtMostMaxRuntimeCallsAreInFlight) {
  runtime_.HoldStarts();
  AgentSessionOptions options = Options();
  options.max_runtime_calls = 3;
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(gateway_.Send(Start("c" + std::to_string(i), "web-" + std::to_string(i))));
  }
  ASSERT_TRUE(Eventually([&] { return runtime_.blocked_starts() == 3; }));
  // Heartbeats keep flowing while the runtime is saturated, without adding a call.
  int heartbeats = CountHeartbeats(gateway_.received());
  ASSERT_TRUE(gateway_.WaitFor([heartbeats](const Messages& m) {
    return CountHeartbeats(m) >= heartbeats + 3;
  })) << heartbeats
      << " then " << CountHeartbeats(gateway_.received()) << " of " << gateway_.received().size();
  EXPECT_EQ(runtime_.in_flight(), 3);
  runtime_.ReleaseStarts();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) {
    int results = 0;
    for (const auto& msg : m) results += msg.has_result() && msg.result().ok();
    return results == 10;
  }));
  EXPECT_EQ(runtime_.max_in_flight(), 3);
  EXPECT_EQ(runtime_.containers().size(), 10u);
}

TEST_F(AgentSessionTest, DuplicateStartsRunOnceAndBothSucceed) {
  runtime_.HoldStarts();
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.Send(Start("c1", "web-1")));
  ASSERT_TRUE(Eventually([&] { return runtime_.blocked_starts() == 1; }));
  ASSERT_TRUE(gateway_.Send(Start("c2", "web-1")));
  // Commands are read in order: once web-2's start is in the runtime, c2 was submitted.
  ASSERT_TRUE(gateway_.Send(Start("c3", "web-2")));
  ASSERT_TRUE(Eventually([&] { return runtime_.blocked_starts() == 2; }));
  runtime_.ReleaseStarts();
  ASSERT_TRUE(WaitForResult("c1"));
  ASSERT_TRUE(WaitForResult("c2"));
  EXPECT_TRUE(Result("c1").ok());
  EXPECT_TRUE(Result("c2").ok());
  EXPECT_EQ(Result("c1").container().container_id(), Result("c2").container().container_id());
  EXPECT_EQ(runtime_.start_calls("web-1"), 1);

  // A repeat after completion is answered with the same container, not a second one.
  ASSERT_TRUE(gateway_.Send(Start("c4", "web-1")));
  ASSERT_TRUE(WaitForResult("c4"));
  EXPECT_TRUE(Result("c4").ok());
  EXPECT_EQ(Result("c4").container().container_id(), Result("c1").container().container_id());
  EXPECT_EQ(runtime_.containers().size(), 2u);
}

TEST_F(AgentSessionTest, HeartbeatsReportContainerStatesAtTheConfiguredInterval) {
  runtime_.AddExisting(Running("web-1", "web"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHeartbeats(m) >= 5; }));
  const Messages messages = gateway_.received();
  for (const auto& m : messages) {
    if (!m.has_heartbeat()) continue;
    ASSERT_EQ(m.heartbeat().containers_size(), 1);
    EXPECT_EQ(m.heartbeat().containers(0).instance(), "web-1");
    EXPECT_EQ(m.heartbeat().containers(0).state(), v1::CONTAINER_STATE_RUNNING);
    EXPECT_EQ(m.heartbeat().containers(0).node(), "node-a");
  }
  EXPECT_THAT(MetricsText(),
              HasSubstr("microscale_agent_containers{app=\"web\",state=\"running\"} 1"));
}

// A controller whose Sync takes unchanged heartbeats gets the list once, then heartbeats
// marked unchanged with no list until something changes; one without gets every list.
TEST_F(AgentSessionTest, AnUnchangedListIsNotSentAgainToAControllerThatTakesThat) {
  runtime_.AddExisting(Running("web-1", "web"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHeartbeats(m) >= 2; }));
  for (const v1::AgentMessage& m : gateway_.received()) {
    if (m.has_heartbeat()) {
      EXPECT_FALSE(m.heartbeat().unchanged()) << "no Sync said so yet";
    }
  }
  v1::ControllerMessage sync;
  sync.set_command_id("s1");
  *sync.mutable_sync()->add_containers() = Running("web-1", "web");
  sync.mutable_sync()->set_unchanged_heartbeats(true);
  ASSERT_TRUE(gateway_.Send(sync));
  auto unchanged_since = [](const Messages& m, size_t from) {
    int n = 0;
    for (size_t i = from; i < m.size(); ++i) {
      if (m[i].has_heartbeat() && m[i].heartbeat().unchanged()) ++n;
    }
    return n;
  };
  ASSERT_TRUE(gateway_.WaitFor([&](const Messages& m) { return unchanged_since(m, 0) >= 3; }));
  for (const v1::AgentMessage& m : gateway_.received()) {
    if (m.has_heartbeat() && m.heartbeat().unchanged()) {
      EXPECT_EQ(m.heartbeat().containers_size(), 0);
    }
  }
  // A change goes out as a full list at the next heartbeat, then unchanged again.
  runtime_.AddExisting(Running("web-2", "web"));
  const size_t changed_at = gateway_.received().size();
  ASSERT_TRUE(gateway_.WaitFor([&](const Messages& m) {
    for (size_t i = changed_at; i < m.size(); ++i) {
      if (m[i].has_heartbeat() && Lists(m[i].heartbeat().containers(), "web-2")) {
        return unchanged_since(m, i) >= 2;
      }
    }
    return false;
  }));
  // A Sync asks for a fresh listing: the heartbeat after it lists everything again (one
  // that was on its way as the Sync went out may still say unchanged).
  const size_t synced_at = gateway_.received().size();
  ASSERT_TRUE(gateway_.Send(sync));
  ASSERT_TRUE(gateway_.WaitFor([&](const Messages& m) {
    return CountHeartbeats(Messages(m.begin() + synced_at, m.end())) >= 3;
  }));
  int listed = 0;
  const Messages after = gateway_.received();
  for (size_t i = synced_at; i < after.size(); ++i) {
    listed += after[i].has_heartbeat() && Lists(after[i].heartbeat().containers(), "web-1");
  }
  EXPECT_GE(listed, 1) << "no full list among the heartbeats after a Sync";
}

// A Pace from the controller slows the agent's heartbeats (never below its own interval,
// never past a minute) and brings one at once; the gauge shows the interval in use.
TEST_F(AgentSessionTest, APaceSetsTheHeartbeatIntervalAndBringsAHeartbeatAtOnce) {
  AgentSessionOptions options = Options();
  options.heartbeat_interval = absl::Hours(1);  // only a Sync or a Pace brings a heartbeat
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(MetricsText(), "microscale_agent_heartbeat_interval_seconds 3600");
  }));
  const int before = CountHeartbeats(gateway_.received());
  v1::ControllerMessage pace;
  pace.mutable_pace()->set_heartbeat_interval_ms(10);  // shorter than its own: its own holds
  ASSERT_TRUE(gateway_.Send(pace));
  ASSERT_TRUE(gateway_.WaitFor([&](const Messages& m) { return CountHeartbeats(m) > before; }));
  EXPECT_THAT(MetricsText(), HasSubstr("microscale_agent_heartbeat_interval_seconds 3600"));
}

TEST_F(AgentSessionTest, APaceLongerThanTheAgentsOwnIntervalIsUsedUpToAMinute) {
  AgentSessionOptions options = Options();
  options.heartbeat_interval = absl::Seconds(2);
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains(MetricsText(), "microscale_agent_heartbeat_interval_seconds 2\n");
  }));
  v1::ControllerMessage pace;
  pace.mutable_pace()->set_heartbeat_interval_ms(10'000);
  ASSERT_TRUE(gateway_.Send(pace));
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains(MetricsText(), "microscale_agent_heartbeat_interval_seconds 10\n");
  }));
  pace.mutable_pace()->set_heartbeat_interval_ms(int64_t{24} * 3600 * 1000);
  ASSERT_TRUE(gateway_.Send(pace));
  EXPECT_TRUE(Eventually([&] {
    return absl::StrContains(MetricsText(), "microscale_agent_heartbeat_interval_seconds 60\n");
  })) << "a day is capped at a minute";
}

TEST_F(AgentSessionTest, RuntimeEventsAreForwardedAndShowInHeartbeats) {
  runtime_.AddExisting(Running("web-1", "web"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  ASSERT_TRUE(Eventually([&] { return session_->connected(); }));
  v1::ContainerEvent exited;
  exited.set_kind(v1::ContainerEvent::OOM_KILLED);
  exited.set_exit_code(137);
  exited.mutable_container()->set_instance("web-1");
  exited.mutable_container()->set_app("web");
  runtime_.Emit(exited);
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) {
    for (const auto& msg : m) {
      if (msg.has_event() && msg.event().kind() == v1::ContainerEvent::OOM_KILLED &&
          msg.event().exit_code() == 137 && msg.event().container().node() == "node-a") {
        return true;
      }
    }
    return false;
  }));
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) {
    return !m.empty() && m.back().has_heartbeat() && m.back().heartbeat().containers_size() == 1 &&
           m.back().heartbeat().containers(0).state() == v1::CONTAINER_STATE_EXITED;
  }));
}

// An engine reports a stop's exit and removal after the stop call returns: the agent has
// already removed the container and sent the stop's result, so those events are dropped. Sent
// on, they would bring the container back as exited in the controller's view, which then
// sends a second stop to clear it up.
TEST_F(AgentSessionTest, LateEventsOfAStoppedContainerAreNotForwarded) {
  runtime_.AddExisting(Running("web-1", "web"));
  runtime_.AddExisting(Running("web-2", "web"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.Send(Stop("c1", "web-1")));
  ASSERT_TRUE(WaitForResult("c1"));
  ASSERT_TRUE(Result("c1").ok()) << Result("c1").error();
  v1::ContainerEvent late;
  late.mutable_container()->set_instance("web-1");
  late.mutable_container()->set_app("web");
  late.set_kind(v1::ContainerEvent::EXITED);
  late.set_exit_code(143);
  runtime_.Emit(late);
  late.set_kind(v1::ContainerEvent::REMOVED);
  runtime_.Emit(late);
  // An event of a container that runs still goes out, after the late ones.
  v1::ContainerEvent crash;
  crash.mutable_container()->set_instance("web-2");
  crash.mutable_container()->set_app("web");
  crash.set_kind(v1::ContainerEvent::EXITED);
  crash.set_exit_code(1);
  runtime_.Emit(crash);
  auto crash_seen = [](const Messages& m) {
    for (const auto& msg : m) {
      if (msg.has_event() && msg.event().container().instance() == "web-2") return true;
    }
    return false;
  };
  ASSERT_TRUE(gateway_.WaitFor(crash_seen));
  // And a heartbeat after it.
  ASSERT_TRUE(gateway_.WaitFor(
      [&](const Messages& m) { return crash_seen(m) && !m.empty() && m.back().has_heartbeat(); }));
  // After the stop's result, nothing speaks of web-1 again.
  const Messages messages = gateway_.received();
  bool after_result = false;
  for (const auto& msg : messages) {
    if (msg.has_result() && msg.result().command_id() == "c1") after_result = true;
    if (!after_result) continue;
    EXPECT_FALSE(msg.has_event() && msg.event().container().instance() == "web-1")
        << "forwarded: " << msg.ShortDebugString();
    EXPECT_FALSE(msg.has_heartbeat() && Lists(msg.heartbeat().containers(), "web-1"))
        << "listed: " << msg.ShortDebugString();
  }
  EXPECT_TRUE(Lists(messages.back().heartbeat().containers(), "web-2"));
}

// Where in `messages` the first event of `kind` about `instance` is, or -1.
int EventAt(const Messages& messages, const std::string& instance, v1::ContainerEvent::Kind kind) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const v1::AgentMessage& m = messages[i];
    if (m.has_event() && m.event().kind() == kind && m.event().container().instance() == instance) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Where the result of command `id` is, or -1.
int ResultAt(const Messages& messages, const std::string& id) {
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].has_result() && messages[i].result().command_id() == id) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// An engine reports a start while the start call runs. The start's result says the same,
// so the result goes out alone: one message for the start instead of two.
TEST_F(AgentSessionTest, AStartsOwnEventGoesOutAsItsResultAlone) {
  ASSERT_NO_FATAL_FAILURE(StartWithItsEventWhileItRuns());
  runtime_.ReleaseStarts();
  ASSERT_TRUE(WaitForResult("c1"));
  ASSERT_TRUE(Result("c1").ok()) << Result("c1").error();
  EXPECT_EQ(Result("c1").container().state(), v1::CONTAINER_STATE_RUNNING);
  // A heartbeat after the result lists it running, and no event spoke of it.
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) {
    return ResultAt(m, "c1") >= 0 && m.back().has_heartbeat() &&
           Lists(m.back().heartbeat().containers(), "web-2");
  }));
  for (const v1::AgentMessage& m : gateway_.received()) {
    EXPECT_FALSE(m.has_event() && m.event().container().instance() == "web-2")
        << "sent beside the result: " << m.ShortDebugString();
  }
}

// The engine's start event may also come after the start's result (the engine's event
// stream is read on a thread of its own). It says nothing new then, and is not sent either;
// an event that does change the container still is.
TEST_F(AgentSessionTest, AnEngineEventAfterTheResultThatSaysTheSameIsNotSent) {
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.Send(Start("c1", "web-2")));
  ASSERT_TRUE(WaitForResult("c1"));
  ASSERT_TRUE(Result("c1").ok()) << Result("c1").error();
  v1::ContainerEvent started;
  started.set_kind(v1::ContainerEvent::STARTED);
  *started.mutable_container() = runtime_.containers().at("web-2");  // as the engine has it
  runtime_.Emit(started);
  runtime_.Emit(EventOf("web-2", v1::ContainerEvent::EXITED, 3));
  ASSERT_TRUE(gateway_.WaitFor(
      [](const Messages& m) { return EventAt(m, "web-2", v1::ContainerEvent::EXITED) >= 0; }));
  EXPECT_EQ(EventAt(gateway_.received(), "web-2", v1::ContainerEvent::STARTED), -1)
      << "the late STARTED was sent";
}

// A start that fails although the engine reported the container started (the inspect after
// the start failed, say): the event goes out, before the failed result, so the controller
// learns that the container runs.
TEST_F(AgentSessionTest, AFailedCommandSendsTheEventsItHeldBeforeItsResult) {
  runtime_.FailStarts(absl::UnavailableError("the engine did not answer the inspect"));
  ASSERT_NO_FATAL_FAILURE(StartWithItsEventWhileItRuns());
  runtime_.ReleaseStarts();
  ASSERT_TRUE(WaitForResult("c1"));
  EXPECT_FALSE(Result("c1").ok());
  const Messages messages = gateway_.received();
  const int event = EventAt(messages, "web-2", v1::ContainerEvent::STARTED);
  ASSERT_GE(event, 0) << "the STARTED event was not sent";
  EXPECT_LT(event, ResultAt(messages, "c1")) << "the event must come before the result";
}

// An exit while a start runs is no outcome of the start: it goes out at once, after the
// STARTED held before it, without waiting for the start's result.
TEST_F(AgentSessionTest, AnEventThatIsNotTheCommandsOutcomeGoesOutAtOnceAfterTheHeldOnes) {
  ASSERT_NO_FATAL_FAILURE(StartWithItsEventWhileItRuns());
  runtime_.Emit(EventOf("web-2", v1::ContainerEvent::EXITED, 1));
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) {
    return EventAt(m, "web-2", v1::ContainerEvent::EXITED) >= 0;
  })) << "the exit waited for the start";
  const Messages messages = gateway_.received();
  const int started = EventAt(messages, "web-2", v1::ContainerEvent::STARTED);
  ASSERT_GE(started, 0) << "the held STARTED was not sent";
  EXPECT_LT(started, EventAt(messages, "web-2", v1::ContainerEvent::EXITED));
  EXPECT_EQ(ResultAt(messages, "c1"), -1) << "the start is still running";
  runtime_.ReleaseStarts();
  ASSERT_TRUE(WaitForResult("c1"));
}

// No ContainerEvent kind means "health changed": the agent sends a heartbeat at once,
// long before the next one is due, and no event.
TEST_F(AgentSessionTest, AHealthChangeGoesOutInAHeartbeatAtOnce) {
  v1::Container web = Running("web-1", "web");
  web.set_health(v1::HEALTH_STARTING);
  runtime_.AddExisting(web);
  AgentSessionOptions options = Options();
  options.heartbeat_interval = absl::Hours(1);
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  ASSERT_TRUE(Eventually([&] { return session_->connected(); }));
  web.set_health(v1::HEALTH_HEALTHY);
  runtime_.AddExisting(web);  // what the engine now lists
  v1::ContainerEvent healthy;
  *healthy.mutable_container() = web;
  runtime_.Emit(healthy);
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) {
    return CountHeartbeats(m) == 1 && m.back().has_heartbeat() &&
           m.back().heartbeat().containers_size() == 1 &&
           m.back().heartbeat().containers(0).health() == v1::HEALTH_HEALTHY;
  }));
  for (const v1::AgentMessage& m : gateway_.received()) EXPECT_FALSE(m.has_event());
}

TEST_F(AgentSessionTest, SyncReportsUnwantedContainersAndStopsNothing) {
  runtime_.AddExisting(Running("web-1", "web"));
  runtime_.AddExisting(Running("stray-9", "old"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  v1::ControllerMessage sync;
  sync.set_command_id("s1");
  *sync.mutable_sync()->add_containers() = Running("web-1", "web");
  ASSERT_TRUE(gateway_.Send(sync));
  size_t sent_at = gateway_.received().size();
  ASSERT_TRUE(gateway_.WaitFor([sent_at](const Messages& m) {
    for (size_t i = sent_at; i < m.size(); ++i) {
      if (m[i].has_heartbeat() && Lists(m[i].heartbeat().containers(), "stray-9")) return true;
    }
    return false;
  }));
  EXPECT_EQ(runtime_.stop_calls("stray-9"), 0);
  EXPECT_EQ(runtime_.containers().size(), 2u);
}

// Each command is recorded with the controller its stream's Sync named, for the agent's
// /debug/commands: who ordered what, and under which leadership.
TEST_F(AgentSessionTest, CommandsAreRecordedWithTheControllerThatSentThem) {
  CommandLog log;
  AgentSessionOptions options = Options();
  options.command_log = &log;
  StartAgent(options);
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  v1::ControllerMessage sync;
  sync.set_command_id("s1");
  sync.mutable_sync()->set_controller("10.0.0.1:7400");
  sync.mutable_sync()->set_leader_term(42);
  ASSERT_TRUE(gateway_.Send(sync));
  ASSERT_TRUE(gateway_.Send(Start("c1", "web-2")));
  ASSERT_TRUE(WaitForResult("c1"));
  ASSERT_TRUE(gateway_.Send(Stop("c2", "web-2")));
  ASSERT_TRUE(WaitForResult("c2"));
  const std::vector<ReceivedCommand> recorded = log.Recent();
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].type, "start");
  EXPECT_EQ(recorded[0].instance, "web-2");
  EXPECT_EQ(recorded[0].command_id, "c1");
  EXPECT_EQ(recorded[0].controller, "10.0.0.1:7400");
  EXPECT_EQ(recorded[0].leader_term, 42);
  EXPECT_EQ(recorded[1].type, "stop");
  EXPECT_LE(recorded[0].unix_ms, recorded[1].unix_ms);
  const nlohmann::json json = nlohmann::json::parse(log.Json());
  ASSERT_EQ(json["commands"].size(), 2u);
  EXPECT_EQ(json["commands"][0]["controller"], "10.0.0.1:7400");
  EXPECT_EQ(json["commands"][0]["leaderTerm"], 42);
  EXPECT_EQ(json["commands"][1]["type"], "stop");
}

TEST(CommandLogTest, KeepsTheNewestUpToItsCapacity) {
  CommandLog log(2);
  for (int i = 1; i <= 3; ++i) log.Add({i, "c", 1, "start", "web-" + std::to_string(i), ""});
  const std::vector<ReceivedCommand> kept = log.Recent();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].instance, "web-2");
  EXPECT_EQ(kept[1].instance, "web-3");
}

TEST_F(AgentSessionTest, RedialsAfterTheControllerGoesAwayAndKeepsContainers) {
  runtime_.AddExisting(Running("web-1", "web"));
  StartAgent();
  ASSERT_TRUE(gateway_.WaitForOpenStream());
  ASSERT_TRUE(gateway_.Send(Start("c1", "web-2")));
  ASSERT_TRUE(WaitForResult("c1"));
  const int port = gateway_.port();

  gateway_.Shutdown();
  ASSERT_TRUE(Eventually([&] { return !session_->connected(); }));
  EXPECT_THAT(MetricsText(), HasSubstr("microscale_agent_controller_connected 0"));
  ASSERT_TRUE(gateway_.Start(port).ok());

  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 2; }));
  const Messages messages = gateway_.received();
  const v1::Hello* last = LastHello(messages);
  ASSERT_NE(last, nullptr);
  const v1::Hello& hello = *last;
  EXPECT_EQ(hello.containers_size(), 2);
  EXPECT_TRUE(Lists(hello.containers(), "web-1"));
  EXPECT_TRUE(Lists(hello.containers(), "web-2"));
  EXPECT_EQ(runtime_.stop_calls("web-1"), 0);
  EXPECT_EQ(runtime_.stop_calls("web-2"), 0);
  EXPECT_EQ(runtime_.containers().size(), 2u);
  EXPECT_TRUE(Eventually([&] { return session_->connected(); }));
}

TEST_F(AgentSessionTest, RedialsWhenTheControllerHangsUp) {
  StartAgent();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 1; }));
  gateway_.EndStream();
  ASSERT_TRUE(gateway_.WaitFor([](const Messages& m) { return CountHellos(m) == 2; }));
  EXPECT_EQ(gateway_.streams_opened(), 2);
}

TEST_F(AgentSessionTest, ShutdownWhileTheControllerIsUnreachableReturnsPromptly) {
  gateway_.Shutdown();
  StartAgent();
  ASSERT_TRUE(Eventually([&] { return runtime_.total_calls() > 0; }));
  session_->Shutdown();
  run_.join();
  session_.reset();
  EXPECT_TRUE(runtime_.containers().empty());
}

}  // namespace
}  // namespace microscale
