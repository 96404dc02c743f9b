#include "controller/server/controller_metrics.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace microscale {
namespace {

std::string Exposition(ControllerMetrics& metrics) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metrics.registry().Collect());
  return out.str();
}

TEST(ControllerMetricsTest, LeadershipAndStoreFigures) {
  ControllerMetrics metrics;
  std::string text = Exposition(metrics);
  EXPECT_NE(text.find("microscale_controller_leader 0"), std::string::npos) << text;
  EXPECT_NE(text.find("microscale_leader_transitions_total 0"), std::string::npos) << text;
  metrics.SetLeader(true);
  metrics.SetLeader(true);  // still leading: no new transition
  metrics.ObserveStoreWrite(0.003);
  metrics.CountStoreError("ApplyApps");
  metrics.CountStoreError("ApplyApps");
  text = Exposition(metrics);
  EXPECT_NE(text.find("microscale_controller_leader 1"), std::string::npos) << text;
  EXPECT_NE(text.find("microscale_leader_transitions_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("microscale_store_write_duration_seconds_count 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("microscale_store_errors_total{op=\"ApplyApps\"} 2"), std::string::npos)
      << text;
}

TEST(ControllerMetricsTest, QueueEstimatesAreExportedOnlyOnceKnown) {
  ControllerMetrics metrics;
  AppFigures f;
  f.priority = 1;
  f.desired = 3;
  metrics.SetAppFigures("worker", f);
  EXPECT_EQ(Exposition(metrics).find("microscale_app_queue_arrival_rate{"), std::string::npos);

  f.arrival_rate = 9.5;
  metrics.SetAppFigures("worker", f);
  std::string text = Exposition(metrics);
  EXPECT_NE(text.find("microscale_app_queue_arrival_rate{app=\"worker\"} 9.5"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("microscale_app_queue_drain_rate{"), std::string::npos) << text;

  f.drain_rate = 1.25;
  metrics.SetAppFigures("worker", f);
  EXPECT_NE(Exposition(metrics).find("microscale_app_queue_drain_rate{app=\"worker\"} 1.25"),
            std::string::npos);

  // An estimate that is no longer known (the app left queue mode) takes its series along.
  f.arrival_rate.reset();
  metrics.SetAppFigures("worker", f);
  text = Exposition(metrics);
  EXPECT_EQ(text.find("microscale_app_queue_arrival_rate{"), std::string::npos) << text;
  EXPECT_NE(text.find("microscale_app_queue_drain_rate{app=\"worker\"}"), std::string::npos);

  metrics.ForgetApp("worker");
  text = Exposition(metrics);
  EXPECT_EQ(text.find("app=\"worker\""), std::string::npos) << text;
}

// A reconcile pass that finds nothing to do is skipped, so what a read changes is set at
// once, not at the next pass.
TEST(ControllerMetricsTest, DemandFiguresFollowEachReadOfAReportedApp) {
  ControllerMetrics metrics;
  metrics.SetDemandFigures("worker", 7, 3.5, std::nullopt);
  EXPECT_EQ(Exposition(metrics).find("app=\"worker\""), std::string::npos)
      << "no pass has reported the app yet";
  AppFigures f;
  f.demand = 5;
  metrics.SetAppFigures("worker", f);
  metrics.SetDemandFigures("worker", 7, 3.5, 0.5);
  std::string text = Exposition(metrics);
  EXPECT_NE(text.find("microscale_app_demand{app=\"worker\"} 7"), std::string::npos) << text;
  EXPECT_NE(text.find("microscale_app_queue_arrival_rate{app=\"worker\"} 3.5"), std::string::npos);
  EXPECT_NE(text.find("microscale_app_queue_drain_rate{app=\"worker\"} 0.5"), std::string::npos);
  metrics.ForgetApp("worker");
  metrics.SetDemandFigures("worker", 9, 3.5, 0.5);
  EXPECT_EQ(Exposition(metrics).find("app=\"worker\""), std::string::npos)
      << "a read that lands after the app is gone brings nothing back";
}

// A read that repeats what the gauges hold writes nothing; whichever of a pass and a read
// wrote last is what they hold, and a forgotten app's series come back whole with its next
// pass.
TEST(ControllerMetricsTest, RepeatedReadsAndPassesLeaveTheLastValueWritten) {
  ControllerMetrics metrics;
  AppFigures f;
  f.demand = 5;
  metrics.SetAppFigures("worker", f);
  metrics.SetDemandFigures("worker", 5, std::nullopt, std::nullopt);
  f.demand = 6;
  metrics.SetAppFigures("worker", f);
  EXPECT_NE(Exposition(metrics).find("microscale_app_demand{app=\"worker\"} 6"), std::string::npos);
  metrics.SetDemandFigures("worker", 5, std::nullopt, std::nullopt);
  EXPECT_NE(Exposition(metrics).find("microscale_app_demand{app=\"worker\"} 5"), std::string::npos)
      << "the read after the pass wrote 6 sets 5 again";

  metrics.ForgetApp("worker");
  f.demand = 5;
  f.arrival_rate = 2;
  metrics.SetAppFigures("worker", f);
  const std::string text = Exposition(metrics);
  EXPECT_NE(text.find("microscale_app_demand{app=\"worker\"} 5"), std::string::npos) << text;
  EXPECT_NE(text.find("microscale_app_queue_arrival_rate{app=\"worker\"} 2"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace microscale
