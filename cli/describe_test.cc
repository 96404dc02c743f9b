// Tests of the `describe app` text.
#include "cli/describe.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::cli {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kDescribedAtMs = 1714564800000;

v1::DescribeAppResponse MakeResponse() {
  v1::DescribeAppResponse response;
  v1::App& app = *response.mutable_app();
  v1::AppSpec& spec = *app.mutable_spec();
  spec.set_name("web");
  spec.set_priority(2);
  spec.set_image("demo:1");
  spec.add_command("/bin/sh");
  spec.add_command("-c");
  spec.add_command("sleep 1000");
  (*spec.mutable_labels())["team"] = "payments";
  spec.set_network("bridge");
  spec.mutable_resources()->set_cpu_millis(250);
  spec.mutable_resources()->set_memory_bytes(64 << 20);
  spec.mutable_replicas()->set_max(5);
  spec.set_preemptible(true);
  spec.set_preemption("pause");
  spec.mutable_demand()->set_source("random");
  spec.mutable_demand()->mutable_random()->set_max(40);
  spec.mutable_demand()->mutable_random()->set_change_every_seconds(3);
  spec.mutable_demand()->set_target_per_container(10);
  app.mutable_status()->set_demand(17);
  app.mutable_status()->set_desired(2);
  app.mutable_status()->set_running(2);
  app.mutable_status()->set_ready(1);
  v1::Condition& condition = *app.mutable_status()->add_conditions();
  condition.set_type("DemandAvailable");
  condition.set_status("False");
  condition.set_reason("ReadFailed");
  condition.set_message("timeout");
  v1::Container& container = *response.add_containers();
  container.set_instance("web-1");
  container.set_node("node-1");
  container.set_state(v1::CONTAINER_STATE_PAUSED);
  container.set_started_unix_ms(kDescribedAtMs - 120000);
  v1::Event& event = *response.add_events();
  event.set_unix_ms(kDescribedAtMs - 60000);
  event.set_kind("Preempted");
  event.set_message("paused web-1 for checkout");
  return response;
}

TEST(DescribeAppTest, ShowsSpecStatusConditionsContainersAndEvents) {
  const std::string text = DescribeAppText(MakeResponse(), absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("Name: +web\n"));
  EXPECT_THAT(text, ContainsRegex("Labels: +team=payments\n"));
  EXPECT_THAT(text, ContainsRegex("Priority: +2\n"));
  EXPECT_THAT(text, ContainsRegex("Command: +/bin/sh -c sleep 1000\n"));
  EXPECT_THAT(text, HasSubstr("cpu 250m, memory 64Mi per container"));
  EXPECT_THAT(text, ContainsRegex("Preemptible: +yes \\(pause\\)"));
  EXPECT_THAT(text, HasSubstr("random (between 0 and 40, changes every 3s)"));
  EXPECT_THAT(text, ContainsRegex("Demand: +17\n"));
  EXPECT_THAT(text, ContainsRegex("Running: +2\n +Ready: +1\n"));
  EXPECT_THAT(text, ContainsRegex("DemandAvailable +False +ReadFailed .*timeout"));
  EXPECT_THAT(text, ContainsRegex("web-1 +node-1 +Paused +2m"));
  EXPECT_THAT(text, ContainsRegex("1m +Preempted +paused web-1 for checkout"));
}

TEST(DescribeAppTest, LevelModeWithoutPredictionOrEstimates) {
  const std::string text = DescribeAppText(MakeResponse(), absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("  Mode: +level\n"));
  EXPECT_THAT(text, ContainsRegex("  Per Container: +10\n"));
  EXPECT_THAT(text, ContainsRegex("  Predictive: +<none>\n"));
  EXPECT_THAT(text, Not(HasSubstr("Arrival Rate")));
  EXPECT_THAT(text, Not(HasSubstr("Drain Rate")));
  EXPECT_THAT(text, Not(HasSubstr("Forecast")));
}

TEST(DescribeAppTest, ShowsQueueModeHorizonAndEstimates) {
  v1::DescribeAppResponse response = MakeResponse();
  v1::DemandSpec& demand = *response.mutable_app()->mutable_spec()->mutable_demand();
  demand.set_source("redis-list");
  demand.mutable_redis_list()->set_address("r:6379");
  demand.mutable_redis_list()->set_key("jobs");
  demand.mutable_queue()->set_backlog_target(10);
  demand.mutable_predictive()->set_horizon_seconds(30);
  v1::AppStatus& status = *response.mutable_app()->mutable_status();
  status.set_arrival_rate(12.5);
  status.set_drain_rate_per_container(1.25);
  status.set_forecast(40);
  std::string text = DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("  Mode: +queue \\(backlog target 10\\)\n"));
  EXPECT_THAT(text, ContainsRegex("  Per Container: +10 \\(not used in queue mode\\)\n"));
  EXPECT_THAT(text, ContainsRegex("  Tolerance: +0 \\(not used in queue mode\\)\n"));
  EXPECT_THAT(text, ContainsRegex("  Predictive: +horizon 30s "));
  EXPECT_THAT(text, ContainsRegex("  Arrival Rate: +12.5/s \\(from the backlog\\)\n"));
  status.set_arrivals_counted(true);
  EXPECT_THAT(DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs)),
              ContainsRegex("  Arrival Rate: +12.5/s \\(counted\\)\n"));
  EXPECT_THAT(text, ContainsRegex("  Drain Rate: +1.25/s per container\n"));
  EXPECT_THAT(text, ContainsRegex("  Forecast: +40\n"));

  demand.mutable_queue()->clear_backlog_target();
  demand.mutable_queue()->set_target_wait_seconds(2);
  demand.mutable_queue()->set_per_container_rate(1.5);
  text = DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("  Mode: +queue \\(target wait 2s, 1.5/s per container\\)\n"));
}

TEST(DescribeAppTest, ShowsPortsAndWhereEachContainerPublishesThem) {
  v1::DescribeAppResponse response = MakeResponse();
  std::string text = DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("Ports: +<none>\n"));
  EXPECT_THAT(text, Not(HasSubstr("PORTS")));
  v1::AppSpec& spec = *response.mutable_app()->mutable_spec();
  v1::PortSpec& http = *spec.add_ports();
  http.set_name("http");
  http.set_container_port(8080);
  spec.add_ports()->set_container_port(9100);
  v1::PublishedPort& published = *response.mutable_containers(0)->add_ports();
  published.set_name("http");
  published.set_container_port(8080);
  published.set_host_port(30001);
  text = DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("Ports: +http 8080/tcp, 9100/tcp \\(each on a host port from "
                                  "the node's --port-range\\)\n"));
  EXPECT_THAT(text, ContainsRegex("INSTANCE .* PORTS\n"));
  EXPECT_THAT(text, ContainsRegex("web-1 +node-1 +Paused +2m +30001->8080/tcp\n"));
  spec.set_network("host");
  text = DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, HasSubstr("(the node's own ports: host network)"));
}

TEST(DescribeAppTest, SaysNoneForEmptySections) {
  v1::DescribeAppResponse response;
  response.mutable_app()->mutable_spec()->set_name("bare");
  const std::string text = DescribeAppText(response, absl::FromUnixMillis(kDescribedAtMs));
  EXPECT_THAT(text, ContainsRegex("Demand: +<unknown>"));
  EXPECT_THAT(text, HasSubstr("Conditions:\n  <none>\n"));
  EXPECT_THAT(text, HasSubstr("Containers:\n  <none>\n"));
  EXPECT_THAT(text, HasSubstr("Events:\n  <none>\n"));
}

}  // namespace
}  // namespace microscale::cli
