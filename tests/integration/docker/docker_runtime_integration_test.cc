// DockerContainerRuntime against the real Docker Engine (label: integration).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/docker/container_mapping.h"
#include "node-agent/docker/docker_runtime.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale {
namespace {

using ::testing::Contains;
using testing::DockerTestEnv;
using ::testing::HasSubstr;
using testing::kTestImage;
using ::testing::Pair;

constexpr absl::Duration kDeadline = absl::Seconds(30);

// Records the runtime's events; Await waits for a matching one, up to kDeadline.
class EventRecorder {
 public:
  ContainerEventSink Sink() {
    return [this](const v1::ContainerEvent& e) {
      absl::MutexLock lock(&mu_);
      events_.push_back(e);
    };
  }
  bool Await(const std::string& instance, v1::ContainerEvent::Kind kind,
             v1::ContainerEvent* out = nullptr) {
    absl::MutexLock lock(&mu_);
    const v1::ContainerEvent* found = nullptr;
    auto seen = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (const auto& e : events_) {
        if (e.container().instance() == instance && e.kind() == kind) found = &e;
      }
      return found != nullptr;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&seen), kDeadline)) return false;
    if (out != nullptr) *out = *found;
    return true;
  }
  // Waits for a health change (an event of no kind) of `instance` to `health`.
  bool AwaitHealth(const std::string& instance, v1::Health health, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      for (const auto& e : events_) {
        if (e.container().instance() == instance &&
            e.kind() == v1::ContainerEvent::KIND_UNSPECIFIED && e.container().health() == health) {
          return true;
        }
      }
      return false;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::ContainerEvent> events_ ABSL_GUARDED_BY(mu_);
};

class DockerRuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { DockerTestEnv::Get().SweepAtExit(); }

  void SetUp() override {
    absl::Status ready = Env().Prepare();
    ASSERT_TRUE(ready.ok()) << ready;
    static std::atomic<int> next{0};
    cluster_ = Env().Cluster(absl::StrCat("t", next++));
    app_ = Env().App("web");
    runtime_ = NewRuntime(cluster_);
  }

  static DockerTestEnv& Env() { return DockerTestEnv::Get(); }
  docker::DockerClient& Client() { return Env().client(); }

  std::unique_ptr<DockerContainerRuntime> NewRuntime(const std::string& cluster,
                                                     PortRange port_range = {}) {
    DockerRuntimeOptions options;
    options.cluster = cluster;
    options.node = "node-1";
    options.port_range = port_range;
    options.publish_address = "127.0.0.1";  // nothing listens beyond loopback
    return std::make_unique<DockerContainerRuntime>(options);
  }

  std::string Instance(int n) const { return absl::StrCat(app_, "-", n); }

  v1::ContainerSpec Spec() const {
    v1::ContainerSpec spec;
    spec.set_app(app_);
    spec.set_image(kTestImage);
    (*spec.mutable_env())["MODE"] = "test";
    spec.mutable_resources()->set_cpu_millis(250);
    spec.mutable_resources()->set_memory_bytes(64 << 20);
    spec.set_priority(5);
    spec.set_stop_timeout_seconds(2);
    return spec;
  }

  // Spec() running a web server on port 8080, published as "http".
  v1::ContainerSpec WebServerSpec() const {
    v1::ContainerSpec spec = Spec();
    for (const std::string& arg : testing::HttpServerCommand(8080)) spec.add_command(arg);
    spec.set_network("bridge");
    v1::PortSpec* port = spec.add_ports();
    port->set_name("http");
    port->set_container_port(8080);
    return spec;
  }

  // Instance -> host port of every container the runtime lists.
  std::map<std::string, int> ListedHostPorts() {
    std::map<std::string, int> out;
    auto list = runtime_->List();
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return out;
    for (const v1::Container& c : *list) {
      EXPECT_EQ(c.ports_size(), 1) << c.instance();
      if (c.ports_size() == 1) out[c.instance()] = c.ports(0).host_port();
    }
    return out;
  }

  // The container of `instance` as List reports it; an empty one when it is not listed.
  v1::Container Listed(const std::string& instance) {
    auto list = runtime_->List();
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return {};
    for (const v1::Container& c : *list) {
      if (c.instance() == instance) return c;
    }
    return {};
  }

  // Lists until `instance` reports `health` (true), or `timeout` passes (false).
  bool ListsHealthWithin(const std::string& instance, v1::Health health, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (Listed(instance).health() != health) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return true;
  }

  // Inspects a container by name; its engine state, or "" when it does not exist.
  std::string EngineState(const std::string& name) {
    auto details = Client().InspectContainer(name);
    return details.ok() ? details->status : "";
  }

  testing::ScopedSweep sweep_;  // first member: runs last, after the runtime is gone
  std::string cluster_;
  std::string app_;
  // What runtime_->Watch(events_.Sink()) records. A member declared before the runtime, so
  // that it outlives it: the runtime's event thread may call the sink until the runtime is
  // gone (a recorder local to a test was destroyed first, and an event delivered between
  // the two aborted the test on its destroyed mutex).
  EventRecorder events_;
  std::unique_ptr<DockerContainerRuntime> runtime_;
};

TEST_F(DockerRuntimeTest, EngineAnswersOnThePinnedApiVersionAndReportsCapacity) {
  auto version = Client().Version();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_FALSE(version->api_version.empty());
  auto capacity = runtime_->Capacity();
  ASSERT_TRUE(capacity.ok()) << capacity.status();
  EXPECT_GE(capacity->cpu_millis(), 1000);
  EXPECT_GT(capacity->memory_bytes(), 0);
  EXPECT_EQ(runtime_->Name(), "docker");
}

TEST_F(DockerRuntimeTest, StartCreatesARunningLabelledLimitedContainer) {
  auto c = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(c->instance(), Instance(0));
  EXPECT_EQ(c->app(), app_);
  EXPECT_EQ(c->node(), "node-1");
  EXPECT_GT(c->started_unix_ms(), 0);

  auto d = Client().InspectContainer(c->container_id());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->name, absl::StrCat("microscale_", cluster_, "_", Instance(0)));
  EXPECT_EQ(d->status, "running");
  EXPECT_THAT(d->labels, Contains(Pair("io.microscale.managed", "true")));
  EXPECT_THAT(d->labels, Contains(Pair("io.microscale.cluster", cluster_)));
  EXPECT_THAT(d->labels, Contains(Pair("io.microscale.app", app_)));
  EXPECT_THAT(d->labels, Contains(Pair("io.microscale.instance", Instance(0))));
  EXPECT_THAT(d->labels, Contains(Pair("io.microscale.priority", "5")));
  EXPECT_THAT(d->labels, Contains(Pair("io.microscale.node", "node-1")));
  EXPECT_EQ(d->nano_cpus, 250'000'000);
  EXPECT_EQ(d->memory_bytes, 64 << 20);
  EXPECT_THAT(d->security_opt, Contains("no-new-privileges"));
  EXPECT_THAT(d->env, Contains("MODE=test"));
  EXPECT_EQ(d->network_mode, "bridge");
  EXPECT_EQ(d->stop_timeout_seconds, 2);

  auto list = runtime_->List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].container_id(), c->container_id());
  EXPECT_EQ((*list)[0].started_unix_ms(), c->started_unix_ms());

  ASSERT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(2)).ok());
  EXPECT_TRUE(absl::IsNotFound(Client().InspectContainer(c->container_id()).status()));
  EXPECT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(2)).ok()) << "unknown instance is OK";
  EXPECT_TRUE(runtime_->List()->empty());
}

TEST_F(DockerRuntimeTest, CommandOverridesTheImageDefault) {
  v1::ContainerSpec spec = Spec();
  spec.add_command("/bin/sh");
  spec.add_command("-c");
  spec.add_command("exit 3");
  runtime_->Watch(events_.Sink());
  ASSERT_TRUE(runtime_->Start(Instance(0), spec).ok());
  v1::ContainerEvent exited;
  ASSERT_TRUE(events_.Await(Instance(0), v1::ContainerEvent::EXITED, &exited));
  EXPECT_EQ(exited.exit_code(), 3);
}

TEST_F(DockerRuntimeTest, SecondStartAdoptsTheRunningContainer) {
  auto first = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->container_id(), first->container_id());
  EXPECT_EQ(runtime_->List()->size(), 1u);
}

TEST_F(DockerRuntimeTest, ARestartedRuntimeAdoptsWhatItFinds) {
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto c = runtime_->Start(Instance(i), Spec());
    ASSERT_TRUE(c.ok()) << c.status();
    ids.insert(c->container_id());
  }
  runtime_.reset();  // the agent goes away; its containers keep running
  runtime_ = NewRuntime(cluster_);
  auto list = runtime_->List();
  ASSERT_TRUE(list.ok()) << list.status();
  std::set<std::string> found;
  for (const auto& c : *list) {
    EXPECT_EQ(c.state(), v1::CONTAINER_STATE_RUNNING);
    EXPECT_GT(c.started_unix_ms(), 0);
    found.insert(c.container_id());
  }
  EXPECT_EQ(found, ids);
  auto again = runtime_->Start(Instance(1), Spec());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(ids.contains(again->container_id())) << "no duplicate";
  EXPECT_EQ(runtime_->List()->size(), 3u);
}

TEST_F(DockerRuntimeTest, AnExitedContainerOfTheSameNameIsReplaced) {
  auto first = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(Client().KillContainer(first->container_id()).ok());
  ASSERT_TRUE(Client().InspectContainer(first->container_id()).ok());
  auto second = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->container_id(), first->container_id());
  EXPECT_EQ(second->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_TRUE(absl::IsNotFound(Client().InspectContainer(first->container_id()).status()));
  EXPECT_EQ(runtime_->List()->size(), 1u);
}

TEST_F(DockerRuntimeTest, ACreatedButNeverStartedContainerIsStarted) {
  docker::CreateContainerRequest request =
      docker::BuildCreateRequest(Instance(0), Spec(), cluster_, "node-1");
  auto id = Client().CreateContainer(request);
  ASSERT_TRUE(id.ok()) << id.status();
  auto c = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->container_id(), *id);
  EXPECT_EQ(c->state(), v1::CONTAINER_STATE_RUNNING);
}

TEST_F(DockerRuntimeTest, AMissingImageIsAClearPreconditionFailure) {
  v1::ContainerSpec spec = Spec();
  spec.set_image("microscale/no-such-image:never");
  auto c = runtime_->Start(Instance(0), spec);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(c.status())) << c.status();
  EXPECT_THAT(std::string(c.status().message()),
              HasSubstr("image microscale/no-such-image:never not found locally and pull failed"));
  EXPECT_TRUE(runtime_->List()->empty());
}

TEST_F(DockerRuntimeTest, AContainerKilledBehindItsBackIsReportedExited) {
  runtime_->Watch(events_.Sink());
  auto c = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(events_.Await(Instance(0), v1::ContainerEvent::STARTED));
  absl::Time killed_at = absl::Now();
  ASSERT_TRUE(Client().KillContainer(c->container_id()).ok());
  v1::ContainerEvent exited;
  ASSERT_TRUE(events_.Await(Instance(0), v1::ContainerEvent::EXITED, &exited));
  EXPECT_EQ(exited.exit_code(), 137);
  EXPECT_EQ(exited.container().container_id(), c->container_id());
  EXPECT_EQ(exited.container().app(), app_);
  ::testing::Test::RecordProperty(
      "exit_reported_ms", static_cast<int>(absl::ToInt64Milliseconds(absl::Now() - killed_at)));
  auto list = runtime_->List();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].state(), v1::CONTAINER_STATE_EXITED);
  EXPECT_EQ((*list)[0].exit_code(), 137);
}

// Two clusters on one Docker host start the same instance id: each gets its own container
// (the names once clashed: "container name microscale-dup-0 is taken").
TEST_F(DockerRuntimeTest, TwoClustersOnOneHostRunTheSameInstanceId) {
  std::unique_ptr<DockerContainerRuntime> other = NewRuntime(Env().Cluster("neighbour"));
  auto ours = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(ours.ok()) << ours.status();
  auto theirs = other->Start(Instance(0), Spec());
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_NE(ours->container_id(), theirs->container_id());
  EXPECT_EQ(EngineState(ours->container_id()), "running");
  EXPECT_EQ(EngineState(theirs->container_id()), "running");
  ASSERT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(1)).ok());
  EXPECT_EQ(EngineState(theirs->container_id()), "running") << "a stop reached the neighbour";
}

// A container an older agent made under the old name (`microscale-<instance>`) is adopted
// after the upgrade: a start returns it, stop and pause find it, and no second container
// is made for the instance.
TEST_F(DockerRuntimeTest, AContainerUnderTheOldNameIsAdopted) {
  docker::CreateContainerRequest request =
      docker::BuildCreateRequest(Instance(0), Spec(), cluster_, "node-1");
  request.name = docker::LegacyContainerName(Instance(0));
  auto id = Client().CreateContainer(request);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(Client().StartContainer(*id).ok());
  auto adopted = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_EQ(adopted->container_id(), *id);
  EXPECT_EQ(runtime_->List()->size(), 1u);
  auto paused = runtime_->Pause(Instance(0));
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->container_id(), *id);
  ASSERT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(1)).ok());
  EXPECT_EQ(EngineState(*id), "");
  EXPECT_TRUE(runtime_->List()->empty());
}

TEST_F(DockerRuntimeTest, ContainersItDoesNotOwnSurviveEverything) {
  // One container with no Microscale labels, one of another cluster with our instance id,
  // and one without labels that holds the name our instance would get.
  docker::CreateContainerRequest plain;
  plain.name = absl::StrCat("plain-", Env().run_id());
  plain.image = kTestImage;
  plain.labels = {{testing::kRunLabel, Env().run_id()}};
  auto plain_id = Client().CreateContainer(plain);
  ASSERT_TRUE(plain_id.ok()) << plain_id.status();
  ASSERT_TRUE(Client().StartContainer(*plain_id).ok());
  std::unique_ptr<DockerContainerRuntime> other = NewRuntime(Env().Cluster("other"));
  auto foreign = other->Start(Instance(0), Spec());
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  docker::CreateContainerRequest squatter;
  squatter.name = docker::ContainerName(cluster_, Instance(0));
  squatter.image = kTestImage;
  squatter.labels = {{testing::kRunLabel, Env().run_id()}};
  auto squatter_id = Client().CreateContainer(squatter);
  ASSERT_TRUE(squatter_id.ok()) << squatter_id.status();

  EXPECT_TRUE(runtime_->List()->empty());
  EXPECT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(1)).ok());
  EXPECT_TRUE(absl::IsNotFound(runtime_->Pause(Instance(0)).status()));
  auto taken = runtime_->Start(Instance(0), Spec());
  EXPECT_TRUE(absl::IsFailedPrecondition(taken.status())) << taken.status();
  ASSERT_TRUE(runtime_->Start(Instance(1), Spec()).ok());
  auto ours = runtime_->List();
  ASSERT_TRUE(ours.ok()) << ours.status();
  ASSERT_EQ(ours->size(), 1u);
  for (const auto& c : *ours) ASSERT_TRUE(runtime_->Stop(c.instance(), absl::Seconds(1)).ok());
  EXPECT_TRUE(runtime_->List()->empty());
  EXPECT_EQ(EngineState(*plain_id), "running");
  EXPECT_EQ(EngineState(foreign->container_id()), "running");
  EXPECT_EQ(EngineState(*squatter_id), "created");
}

TEST_F(DockerRuntimeTest, TwentyParallelStartsAllRun) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 20; i += 4) {
        if (!runtime_->Start(Instance(i), Spec()).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto list = runtime_->List();
  ASSERT_TRUE(list.ok()) << list.status();
  std::set<std::string> instances;
  for (const auto& c : *list) {
    EXPECT_EQ(c.state(), v1::CONTAINER_STATE_RUNNING) << c.instance();
    instances.insert(c.instance());
  }
  EXPECT_EQ(instances.size(), 20u);
}

TEST_F(DockerRuntimeTest, PauseAndResumeKeepTheSameContainer) {
  runtime_->Watch(events_.Sink());
  auto c = runtime_->Start(Instance(0), Spec());
  ASSERT_TRUE(c.ok()) << c.status();
  auto paused = runtime_->Pause(Instance(0));
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(EngineState(c->container_id()), "paused");
  EXPECT_TRUE(runtime_->Pause(Instance(0)).ok()) << "already paused is OK";
  EXPECT_EQ((*runtime_->List())[0].state(), v1::CONTAINER_STATE_PAUSED);
  ASSERT_TRUE(events_.Await(Instance(0), v1::ContainerEvent::PAUSED));

  auto resumed = runtime_->Resume(Instance(0));
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(resumed->container_id(), c->container_id());
  EXPECT_TRUE(runtime_->Resume(Instance(0)).ok()) << "already running is OK";
  ASSERT_TRUE(events_.Await(Instance(0), v1::ContainerEvent::RESUMED));
  auto d = Client().InspectContainer(c->container_id());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, "running");
  EXPECT_EQ(d->restart_count, 0);
  EXPECT_EQ(absl::ToUnixMillis(d->started_at), c->started_unix_ms()) << "never restarted";
}

TEST_F(DockerRuntimeTest, StandbyStartsPausedAndAPausedContainerStops) {
  v1::ContainerSpec spec = Spec();
  spec.set_start_paused(true);
  auto c = runtime_->Start(Instance(0), spec);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(EngineState(c->container_id()), "paused");
  ASSERT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(2)).ok());
  EXPECT_EQ(EngineState(c->container_id()), "");
}

// spec.ports on network bridge: each container's port is published on its own host port of
// the range, on 127.0.0.1, and answers there. A restarted runtime reads the ports back from
// the containers' labels and hands out none that a container still holds, even an exited
// one (which binds nothing the host could see).
TEST_F(DockerRuntimeTest, PublishesPortsThatAnswerAndKeepsThemAcrossARestart) {
  const int first = testing::FreeLoopbackPorts(3);
  const PortRange range{first, first + 2};
  runtime_ = NewRuntime(cluster_, range);
  auto web0 = runtime_->Start(Instance(0), WebServerSpec());
  ASSERT_TRUE(web0.ok()) << web0.status();
  ASSERT_EQ(web0->ports_size(), 1);
  EXPECT_EQ(web0->ports(0).name(), "http");
  EXPECT_EQ(web0->ports(0).container_port(), 8080);
  const int port0 = web0->ports(0).host_port();
  EXPECT_TRUE(range.Contains(port0)) << port0;
  absl::StatusOr<std::string> body = testing::HttpGetWhenUp(port0, "/bin/idle");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(*body, HasSubstr("trap")) << "the image's own file, served from the container";

  auto web1 = runtime_->Start(Instance(1), WebServerSpec());
  ASSERT_TRUE(web1.ok()) << web1.status();
  ASSERT_EQ(web1->ports_size(), 1);
  const int port1 = web1->ports(0).host_port();
  EXPECT_TRUE(range.Contains(port1)) << port1;
  EXPECT_NE(port1, port0);
  auto details = Client().InspectContainer(web1->container_id());
  ASSERT_TRUE(details.ok()) << details.status();
  EXPECT_THAT(details->labels,
              Contains(Pair(docker::kLabelPorts, absl::StrCat("http:8080:", port1))));
  ASSERT_TRUE(Client().KillContainer(web1->container_id()).ok());  // exited, not removed

  runtime_.reset();  // the agent goes away; its containers stay
  runtime_ = NewRuntime(cluster_, range);
  const std::map<std::string, int> held = {{Instance(0), port0}, {Instance(1), port1}};
  EXPECT_EQ(ListedHostPorts(), held);
  auto again = runtime_->Start(Instance(0), WebServerSpec());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->container_id(), web0->container_id());
  ASSERT_EQ(again->ports_size(), 1);
  EXPECT_EQ(again->ports(0).host_port(), port0) << "a running container keeps its port";
  auto web2 = runtime_->Start(Instance(2), WebServerSpec());
  ASSERT_TRUE(web2.ok()) << web2.status();
  ASSERT_EQ(web2->ports_size(), 1);
  const int port2 = web2->ports(0).host_port();
  EXPECT_EQ(std::set<int>({port0, port1, port2}), std::set<int>({first, first + 1, first + 2}));
  auto full = runtime_->Start(Instance(3), WebServerSpec());
  EXPECT_TRUE(absl::IsFailedPrecondition(full.status())) << full.status();
  EXPECT_THAT(std::string(full.status().message()),
              HasSubstr(absl::StrCat("no free host port in --port-range ", range.ToString())));

  // A stop removes the container and frees its port. (The port of web-1, which served no
  // connection: one that did may be held by the host in TIME_WAIT for a while, which the
  // probe rightly counts as in use.)
  ASSERT_TRUE(runtime_->Stop(Instance(1), absl::Seconds(2)).ok());
  EXPECT_TRUE(absl::IsNotFound(Client().InspectContainer(web1->container_id()).status()));
  EXPECT_FALSE(ListedHostPorts().contains(Instance(1)));
  auto web3 = runtime_->Start(Instance(3), WebServerSpec());
  ASSERT_TRUE(web3.ok()) << web3.status();
  ASSERT_EQ(web3->ports_size(), 1);
  EXPECT_EQ(web3->ports(0).host_port(), port1);
  EXPECT_TRUE(testing::HttpGetWhenUp(port1, "/bin/idle").ok());
  ASSERT_TRUE(runtime_->Stop(Instance(0), absl::Seconds(2)).ok());
  EXPECT_TRUE(absl::IsNotFound(Client().InspectContainer(web0->container_id()).status()));
  EXPECT_EQ(ListedHostPorts(),
            (std::map<std::string, int>{{Instance(2), port2}, {Instance(3), port1}}));
}

// On the host network a container's port is the host's own: reported, nothing published.
TEST_F(DockerRuntimeTest, HostNetworkPortsAreReportedAsTheirOwn) {
  v1::ContainerSpec spec = Spec();
  spec.set_network("host");
  spec.add_ports()->set_container_port(8080);  // recorded only: the idle loop listens on none
  auto c = runtime_->Start(Instance(0), spec);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->ports_size(), 1);
  EXPECT_EQ(c->ports(0).host_port(), 8080);
  EXPECT_EQ(ListedHostPorts(), (std::map<std::string, int>{{Instance(0), 8080}}));
}

TEST_F(DockerRuntimeTest, PauseOfAnUnknownInstanceIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(runtime_->Pause(Instance(9)).status()));
  EXPECT_TRUE(absl::IsNotFound(runtime_->Resume(Instance(9)).status()));
}

// spec.health_check runs as the engine's own health check (a command in the container, here
// busybox's test applet): the container reports STARTING, then HEALTHY once the file the
// check looks for exists, UNHEALTHY when it is gone; through List, and as events of no
// kind. A paused container keeps its health, also for a runtime that never saw it before.
TEST_F(DockerRuntimeTest, HealthFollowsTheEnginesHealthCheck) {
  v1::ContainerSpec spec = Spec();
  v1::HealthCheck* check = spec.mutable_health_check();
  for (const char* arg : {"/bin/test", "-f", "/tmp/ready"}) check->add_command(arg);
  check->set_interval_seconds(1);
  check->set_timeout_seconds(1);
  check->set_retries(1);
  runtime_->Watch(events_.Sink());
  auto c = runtime_->Start(Instance(0), spec);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->health(), v1::HEALTH_STARTING);
  auto plain = runtime_->Start(Instance(1), Spec());
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->health(), v1::HEALTH_UNSPECIFIED);

  // The check runs every second and fails while the file is missing: looked at across
  // about 3 s, the container runs and is never healthy.
  for (int i = 0; i < 6; ++i) {
    v1::Container listed = Listed(Instance(0));
    EXPECT_EQ(listed.state(), v1::CONTAINER_STATE_RUNNING);
    EXPECT_NE(listed.health(), v1::HEALTH_HEALTHY);
    EXPECT_NE(listed.health(), v1::HEALTH_UNSPECIFIED);
    absl::SleepFor(absl::Milliseconds(500));
  }
  auto made = Env().Exec(c->container_id(), {"/bin/sh", "-c", "mkdir -p /tmp && touch /tmp/ready"});
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_EQ(*made, 0);
  EXPECT_TRUE(ListsHealthWithin(Instance(0), v1::HEALTH_HEALTHY, absl::Seconds(60)));
  EXPECT_TRUE(events_.AwaitHealth(Instance(0), v1::HEALTH_HEALTHY, absl::Seconds(60)));

  auto paused = runtime_->Pause(Instance(0));
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->health(), v1::HEALTH_HEALTHY);
  EXPECT_EQ(Listed(Instance(0)).state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(Listed(Instance(0)).health(), v1::HEALTH_HEALTHY);
  auto fresh = NewRuntime(cluster_)->List();  // knows nothing yet: asks the engine
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  for (const v1::Container& listed : *fresh) {
    EXPECT_EQ(listed.health(),
              listed.instance() == Instance(0) ? v1::HEALTH_HEALTHY : v1::HEALTH_UNSPECIFIED)
        << listed.instance();
  }
  ASSERT_TRUE(runtime_->Resume(Instance(0)).ok());
  // The engine says "unhealthy" from the pause until its first probe after the resume, and
  // announces no change when that probe fails: the file goes once a probe has passed.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (Client().InspectContainer(c->container_id())->health != "healthy") {
    ASSERT_LT(absl::Now(), deadline) << "no passing probe after the resume";
    EXPECT_EQ(Listed(Instance(0)).health(), v1::HEALTH_HEALTHY) << "not the engine's stop";
    absl::SleepFor(absl::Milliseconds(100));
  }

  auto removed = Env().Exec(c->container_id(), {"/bin/rm", "/tmp/ready"});
  ASSERT_TRUE(removed.ok()) << removed.status();
  ASSERT_EQ(*removed, 0);
  EXPECT_TRUE(ListsHealthWithin(Instance(0), v1::HEALTH_UNHEALTHY, absl::Seconds(60)));
  EXPECT_TRUE(events_.AwaitHealth(Instance(0), v1::HEALTH_UNHEALTHY, absl::Seconds(60)));
  EXPECT_EQ(Listed(Instance(0)).state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(Listed(Instance(1)).health(), v1::HEALTH_UNSPECIFIED);
}

}  // namespace
}  // namespace microscale
