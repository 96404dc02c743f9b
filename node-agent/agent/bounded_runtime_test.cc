#include "node-agent/agent/bounded_runtime.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node-agent/agent/testing/eventually.h"
#include "node-agent/agent/testing/fake_container_runtime.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;

TEST(BoundedRuntime, LetsAtMostTheBoundThroughAndListWaitsItsTurn) {
  FakeContainerRuntime fake;
  BoundedRuntime bounded(&fake, 2, nullptr);
  fake.HoldStarts();
  std::vector<std::thread> starts;
  for (int i = 0; i < 3; ++i) {
    starts.emplace_back([&bounded, i] {
      EXPECT_TRUE(bounded.Start("i-" + std::to_string(i), v1::ContainerSpec()).ok());
    });
  }
  ASSERT_TRUE(Eventually([&] { return fake.blocked_starts() == 2; }));
  EXPECT_FALSE(bounded.TryList().has_value());  // no free slot: the heartbeat does not wait
  fake.ReleaseStarts();
  for (auto& t : starts) t.join();
  EXPECT_EQ(fake.max_in_flight(), 2);
  auto listed = bounded.TryList();
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->value().size(), 3u);
}

TEST(BoundedRuntime, RecordsDurationsAndErrorsPerOperation) {
  FakeContainerRuntime fake;
  prometheus::Registry registry;
  AgentMetrics metrics(registry);
  BoundedRuntime bounded(&fake, 4, &metrics);
  fake.FailStarts(absl::UnavailableError("engine down"));
  EXPECT_FALSE(bounded.Start("a", v1::ContainerSpec()).ok());
  EXPECT_TRUE(bounded.Stop("a", absl::Seconds(1)).ok());
  std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(text, HasSubstr("microscale_agent_docker_errors_total{operation=\"start\"} 1"));
  EXPECT_THAT(
      text,
      HasSubstr("microscale_agent_docker_request_duration_seconds_count{operation=\"stop\"} 1"));
}

}  // namespace
}  // namespace microscale
