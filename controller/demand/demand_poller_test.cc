#include "controller/demand/demand_poller.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kPatience = absl::Seconds(20);

// Collects observations and lets a test wait for a condition over them.
class Recorder {
 public:
  DemandPoller::Callback Callback() {
    return [this](const DemandObservation& o) {
      absl::MutexLock lock(&mu_);
      seen_.push_back(o);
    };
  }

  // Waits until `done` holds over everything seen so far; false after kPatience.
  bool WaitFor(std::function<bool(const std::vector<DemandObservation>&)> done) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(seen_); };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), kPatience);
  }

  std::vector<DemandObservation> Of(const std::string& app) {
    absl::MutexLock lock(&mu_);
    std::vector<DemandObservation> out;
    for (const DemandObservation& o : seen_) {
      if (o.app == app) out.push_back(o);
    }
    return out;
  }

 private:
  absl::Mutex mu_;
  std::vector<DemandObservation> seen_ ABSL_GUARDED_BY(mu_);
};

int CountOf(const std::vector<DemandObservation>& seen, const std::string& app) {
  return static_cast<int>(std::count_if(seen.begin(), seen.end(),
                                        [&](const DemandObservation& o) { return o.app == app; }));
}

bool HasValue(const std::vector<DemandObservation>& seen, const std::string& app, double v) {
  return std::any_of(seen.begin(), seen.end(), [&](const DemandObservation& o) {
    return o.app == app && o.value.ok() && *o.value == v;
  });
}

// A test double for a remote source: answers from a script of values and can be made to
// hang until the test releases it.
struct FakeSourceState {
  absl::Mutex mu;
  bool hang ABSL_GUARDED_BY(mu) = false;
  int reads_started ABSL_GUARDED_BY(mu) = 0;
  int reading_now ABSL_GUARDED_BY(mu) = 0;
  int most_reading_at_once ABSL_GUARDED_BY(mu) = 0;
  std::vector<double> answers ABSL_GUARDED_BY(mu);  // the last one repeats
};

class FakeSource final : public DemandSource {
 public:
  explicit FakeSource(std::shared_ptr<FakeSourceState> state) : state_(std::move(state)) {}
  absl::StatusOr<double> Read(absl::Time) override {
    absl::MutexLock lock(&state_->mu);
    int index = state_->reads_started++;
    ++state_->reading_now;
    state_->most_reading_at_once = std::max(state_->most_reading_at_once, state_->reading_now);
    auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_->mu) { return !state_->hang; };
    state_->mu.Await(absl::Condition(&released));
    --state_->reading_now;
    const std::vector<double>& answers = state_->answers;
    return answers[std::min<size_t>(static_cast<size_t>(index), answers.size() - 1)];
  }

 private:
  std::shared_ptr<FakeSourceState> state_;
};

AppSpec App(const std::string& name, double interval_seconds, double timeout_seconds = 2) {
  AppSpec app;
  app.name = name;
  app.demand.interval_seconds = interval_seconds;
  app.demand.timeout_seconds = timeout_seconds;
  return app;
}

AppSpec FakeApp(const std::string& name, double interval, double timeout = 2) {
  AppSpec app = App(name, interval, timeout);
  app.demand.source = DemandSourceKind::kPrometheus;  // any non-static kind; the factory fakes it
  app.demand.prometheus.query = name;                 // keeps the specs of fake apps distinct
  return app;
}

// A poller whose non-static apps read from FakeSources keyed by app name.
class PollerTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeSourceState> Fake(const std::string& app, std::vector<double> answers) {
    auto state = std::make_shared<FakeSourceState>();
    absl::MutexLock lock(&state->mu);
    state->answers = std::move(answers);
    fakes_[app] = state;
    return state;
  }

  DemandPoller& Poller() {
    if (poller_ == nullptr) {
      DemandPollerOptions options;
      options.threads = 2;
      options.factory =
          [this](const AppSpec& app) -> absl::StatusOr<std::unique_ptr<DemandSource>> {
        ++builds_;
        auto it = fakes_.find(app.name);
        if (it != fakes_.end()) return std::make_unique<FakeSource>(it->second);
        return MakeDemandSource(app);
      };
      poller_ = std::make_unique<DemandPoller>(recorder_.Callback(), options);
    }
    return *poller_;
  }

  void TearDown() override {
    for (auto& [app, state] : fakes_) {
      absl::MutexLock lock(&state->mu);
      state->hang = false;
    }
    poller_.reset();
  }

  Recorder recorder_;
  std::map<std::string, std::shared_ptr<FakeSourceState>> fakes_;
  std::atomic<int> builds_{0};
  std::unique_ptr<DemandPoller> poller_;
};

TEST_F(PollerTest, ReadsAtOnceThenEveryInterval) {
  AppSpec app = App("web", 0.02);
  app.demand.value = 4;
  Poller().UpdateApps({app});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return CountOf(seen, "web") >= 5; }));
  for (const DemandObservation& o : recorder_.Of("web")) {
    ASSERT_TRUE(o.value.ok()) << o.value.status();
    EXPECT_EQ(*o.value, 4);
    EXPECT_EQ(o.source, DemandSourceKind::kStatic);
  }
}

TEST_F(PollerTest, SetStaticValueIsReportedAtOnce) {
  AppSpec app = App("web", 3600);
  app.demand.value = 1;
  Poller().UpdateApps({app});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "web", 1); }));
  // The next tick is an hour away: only an immediate read can deliver the new value.
  ASSERT_TRUE(Poller().SetStaticValue("web", 9).ok());
  EXPECT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "web", 9); }));
}

// Counts the reads of `app` while `clock_app`, read every 20 ms, is read `reads` more times.
int ReadsOverTicks(Recorder& recorder, const std::string& app, const std::string& clock_app,
                   int reads) {
  const int before = static_cast<int>(recorder.Of(app).size());
  const int target = static_cast<int>(recorder.Of(clock_app).size()) + reads;
  EXPECT_TRUE(
      recorder.WaitFor([&](const auto& seen) { return CountOf(seen, clock_app) >= target; }));
  return static_cast<int>(recorder.Of(app).size()) - before;
}

TEST_F(PollerTest, AHeldStaticSourceIsReadAgainOnlyAfterAChange) {
  AppSpec web = App("web", 0.02);
  web.demand.value = 1;
  AppSpec ticker = App("ticker", 0.02);
  ticker.demand.value = 0;
  Poller().UpdateApps({web, ticker});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return CountOf(seen, "web") >= 2; }));
  const DemandObservation first = recorder_.Of("web").front();

  Poller().Hold(recorder_.Of("web").back());
  ReadsOverTicks(recorder_, "web", "ticker", 3);  // a read already on its way may still land
  EXPECT_EQ(ReadsOverTicks(recorder_, "web", "ticker", 10), 0) << "held: not read again";

  ASSERT_TRUE(Poller().SetStaticValue("web", 9).ok());
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "web", 9); }));
  EXPECT_GE(ReadsOverTicks(recorder_, "web", "ticker", 10), 3) << "a new value is read on";
  // A read from before the change is not held: the value it read is no longer the source's.
  Poller().Hold(first);
  EXPECT_GE(ReadsOverTicks(recorder_, "web", "ticker", 10), 3) << "an old read is not held";

  Poller().Hold(recorder_.Of("web").back());
  ReadsOverTicks(recorder_, "web", "ticker", 3);
  ASSERT_EQ(ReadsOverTicks(recorder_, "web", "ticker", 10), 0);
  web.replicas.max = 7;  // not a demand setting, yet it changes what the demand decides
  Poller().UpdateApps({web, ticker});
  EXPECT_GE(ReadsOverTicks(recorder_, "web", "ticker", 10), 3) << "read again after UpdateApps";
}

TEST_F(PollerTest, ChangeAppsReadsTheChangedAppsAgainAndLeavesTheOthersHeld) {
  AppSpec web = App("web", 0.02);
  web.demand.value = 1;
  AppSpec api = App("api", 0.02);
  api.demand.value = 2;
  AppSpec gone = App("gone", 0.02);
  gone.demand.value = 3;
  AppSpec ticker = App("ticker", 0.02);
  ticker.demand.value = 0;
  Poller().UpdateApps({web, api, gone, ticker});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) {
    return CountOf(seen, "web") >= 1 && CountOf(seen, "api") >= 1 && CountOf(seen, "gone") >= 1;
  }));
  Poller().Hold(recorder_.Of("web").back());
  Poller().Hold(recorder_.Of("api").back());
  ReadsOverTicks(recorder_, "web", "ticker", 3);  // a read already on its way may still land
  ASSERT_EQ(ReadsOverTicks(recorder_, "web", "ticker", 10), 0);
  const int builds = builds_.load();

  web.replicas.max = 7;  // not a demand setting, yet it changes what the demand decides
  Poller().ChangeApps({web}, {"gone"});
  const size_t api_reads = recorder_.Of("api").size();
  const size_t gone_reads = recorder_.Of("gone").size();
  EXPECT_GE(ReadsOverTicks(recorder_, "web", "ticker", 10), 3) << "the changed app is read again";
  EXPECT_EQ(recorder_.Of("api").size(), api_reads) << "an app left alone stays held";
  EXPECT_EQ(recorder_.Of("gone").size(), gone_reads) << "a removed app is no longer read";
  EXPECT_EQ(builds_.load(), builds) << "same demand settings: the source is kept";

  api.demand.value = 8;  // a demand setting: a fresh source, read at once
  Poller().ChangeApps({api}, {});
  EXPECT_EQ(builds_.load(), builds + 1);
  EXPECT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "api", 8); }));
}

TEST_F(PollerTest, HoldLeavesOtherSourcesReading) {
  Fake("queue", {1, 2, 3, 4, 5, 6, 7, 8});
  Poller().UpdateApps({FakeApp("queue", 0.02)});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return CountOf(seen, "queue") >= 1; }));
  Poller().Hold(recorder_.Of("queue").back());
  const int held_at = static_cast<int>(recorder_.Of("queue").size());
  EXPECT_TRUE(
      recorder_.WaitFor([&](const auto& seen) { return CountOf(seen, "queue") >= held_at + 3; }));
}

TEST_F(PollerTest, SetStaticValueRefusesUnknownAndNonStaticApps) {
  Fake("queue", {1});
  Poller().UpdateApps({FakeApp("queue", 3600)});
  EXPECT_EQ(Poller().SetStaticValue("ghost", 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Poller().SetStaticValue("queue", 1).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PollerTest, HungReadIsReportedAtItsDeadlineAndOtherAppsGoOn) {
  auto hung = Fake("slow", {1, 2});
  {
    absl::MutexLock lock(&hung->mu);
    hung->hang = true;
  }
  AppSpec fast = App("fast", 0.02);
  fast.demand.value = 3;
  Poller().UpdateApps({FakeApp("slow", 0.05, 0.1), fast});

  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) {
    return std::any_of(seen.begin(), seen.end(), [](const DemandObservation& o) {
      return o.app == "slow" && absl::IsDeadlineExceeded(o.value.status()) &&
             std::string(o.value.status().message()).find("did not answer within 100ms") !=
                 std::string::npos;
    });
  }));
  // While the read hangs, each tick reports another failure and the other app is still read.
  ASSERT_TRUE(recorder_.WaitFor(
      [](const auto& seen) { return CountOf(seen, "slow") >= 3 && CountOf(seen, "fast") >= 5; }));
  for (const DemandObservation& o : recorder_.Of("slow")) {
    EXPECT_TRUE(absl::IsDeadlineExceeded(o.value.status())) << o.value.status();
  }

  {
    absl::MutexLock lock(&hung->mu);
    hung->hang = false;
  }
  // The late answer (1) is dropped; the next read's answer (2) arrives.
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "slow", 2); }));
  EXPECT_FALSE(HasValue(recorder_.Of("slow"), "slow", 1));
}

TEST_F(PollerTest, AppsAreReadConcurrently) {
  auto a = Fake("a", {1});
  auto b = Fake("b", {1});
  for (auto& state : {a, b}) {
    absl::MutexLock lock(&state->mu);
    state->hang = true;
  }
  Poller().UpdateApps({FakeApp("a", 3600), FakeApp("b", 3600)});
  // Both reads are inside their source at the same time.
  for (auto& state : {a, b}) {
    absl::MutexLock lock(&state->mu);
    auto entered = [&]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) { return state->reading_now == 1; };
    ASSERT_TRUE(state->mu.AwaitWithTimeout(absl::Condition(&entered), kPatience));
  }
}

TEST_F(PollerTest, RemovedAppIsNoLongerReported) {
  AppSpec gone = App("gone", 0.02);
  AppSpec stays = App("stays", 0.02);
  Poller().UpdateApps({gone, stays});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return CountOf(seen, "gone") >= 2; }));
  Poller().UpdateApps({stays});
  size_t gone_count = recorder_.Of("gone").size();
  size_t stays_count = recorder_.Of("stays").size();
  ASSERT_TRUE(recorder_.WaitFor([&](const auto& seen) {
    return CountOf(seen, "stays") >= static_cast<int>(stays_count) + 5;
  }));
  EXPECT_EQ(recorder_.Of("gone").size(), gone_count);
}

TEST_F(PollerTest, ChangedDemandSettingsRebuildTheSourceAndUnchangedKeepIt) {
  AppSpec app = App("web", 3600);
  app.demand.value = 1;
  Poller().UpdateApps({app});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "web", 1); }));
  ASSERT_TRUE(Poller().SetStaticValue("web", 5).ok());
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "web", 5); }));

  AppSpec same_demand = app;
  same_demand.priority = 1;  // not a demand setting
  Poller().UpdateApps({same_demand});
  EXPECT_EQ(builds_.load(), 1);

  AppSpec new_demand = app;
  new_demand.demand.value = 7;
  Poller().UpdateApps({new_demand});
  EXPECT_EQ(builds_.load(), 2);
  EXPECT_TRUE(recorder_.WaitFor([](const auto& seen) { return HasValue(seen, "web", 7); }));
}

TEST_F(PollerTest, SourceThatCannotBeBuiltReportsWhyEveryTick) {
  DemandPollerOptions options;
  options.factory = [](const AppSpec&) -> absl::StatusOr<std::unique_ptr<DemandSource>> {
    return absl::InvalidArgumentError("prometheus.url has no host");
  };
  Recorder recorder;
  DemandPoller poller(recorder.Callback(), options);
  poller.UpdateApps({FakeApp("web", 0.02)});
  ASSERT_TRUE(recorder.WaitFor([](const auto& seen) { return CountOf(seen, "web") >= 3; }));
  for (const DemandObservation& o : recorder.Of("web")) {
    EXPECT_EQ(o.value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(o.value.status().message()), HasSubstr("no host"));
  }
}

TEST_F(PollerTest, ObservationsCarryTheClockTime) {
  FakeClock clock(absl::FromUnixSeconds(1'000));
  DemandPollerOptions options;
  options.clock = &clock;
  Recorder recorder;
  DemandPoller poller(recorder.Callback(), options);
  AppSpec app = App("web", 3600);
  app.demand.value = 2;
  poller.UpdateApps({app});
  ASSERT_TRUE(recorder.WaitFor([](const auto& seen) { return CountOf(seen, "web") >= 1; }));
  EXPECT_EQ(recorder.Of("web")[0].time, absl::FromUnixSeconds(1'000));
}

// A remote source that takes `took` to answer: its value stands for the middle of the
// request, not its end.
class SlowSource final : public DemandSource {
 public:
  SlowSource(FakeClock& clock, absl::Duration took) : clock_(clock), took_(took) {}
  absl::StatusOr<double> Read(absl::Time) override {
    clock_.Advance(took_);
    return 7;
  }

 private:
  FakeClock& clock_;
  const absl::Duration took_;
};

TEST_F(PollerTest, ARemoteReadIsTimedAtTheMiddleOfItsRequest) {
  FakeClock clock(absl::FromUnixSeconds(1'000));
  DemandPollerOptions options;
  options.clock = &clock;
  options.factory = [&clock](const AppSpec&) -> absl::StatusOr<std::unique_ptr<DemandSource>> {
    return std::make_unique<SlowSource>(clock, absl::Milliseconds(200));
  };
  Recorder recorder;
  DemandPoller poller(recorder.Callback(), options);
  poller.UpdateApps({FakeApp("queue", 3600)});
  ASSERT_TRUE(recorder.WaitFor([](const auto& seen) { return CountOf(seen, "queue") >= 1; }));
  const DemandObservation first = recorder.Of("queue")[0];
  ASSERT_TRUE(first.value.ok()) << first.value.status();
  EXPECT_EQ(first.time, absl::FromUnixSeconds(1'000) + absl::Milliseconds(100))
      << "asked at 1000 s, answered 200 ms later";
}

TEST_F(PollerTest, StopEndsDeliveries) {
  AppSpec app = App("web", 0.01);
  Poller().UpdateApps({app});
  ASSERT_TRUE(recorder_.WaitFor([](const auto& seen) { return CountOf(seen, "web") >= 2; }));
  Poller().Stop();
  size_t after_stop = recorder_.Of("web").size();
  EXPECT_EQ(Poller().SetStaticValue("web", 3).code(), absl::StatusCode::kOk);
  Poller().UpdateApps({app, App("other", 0.01)});
  EXPECT_EQ(recorder_.Of("web").size(), after_stop);
}

}  // namespace
}  // namespace microscale
