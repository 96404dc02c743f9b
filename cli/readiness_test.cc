// Tests of readiness for `apply --wait` and of the progress line printer.
#include "cli/readiness.h"

#include <sstream>

#include "cli/progress.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::cli {
namespace {

v1::App App(const std::string& name, int desired, int allocated, int running) {
  v1::App app;
  app.mutable_spec()->set_name(name);
  app.mutable_status()->set_demand(1);
  app.mutable_status()->set_desired(desired);
  app.mutable_status()->set_allocated(allocated);
  app.mutable_status()->set_running(running);
  return app;
}

TEST(ReadinessTest, ReadyWhenRunningEqualsAllocatedEqualsDesired) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  *apps.Add() = App("a", 3, 3, 3);
  *apps.Add() = App("b", 3, 3, 2);
  *apps.Add() = App("c", 3, 2, 2);
  auto readiness = EvaluateReadiness(apps, {"a", "b", "c", "missing"});
  ASSERT_EQ(readiness.size(), 4u);
  EXPECT_TRUE(readiness[0].ready);
  EXPECT_FALSE(readiness[1].ready);
  EXPECT_EQ(readiness[1].detail, "2/3 running");
  EXPECT_FALSE(readiness[2].ready);
  EXPECT_EQ(readiness[2].detail, "2/3 running, 2 allocated");
  EXPECT_FALSE(readiness[3].ready);
  EXPECT_EQ(readiness[3].detail, "not found");
  EXPECT_FALSE(AllReady(readiness));
  EXPECT_EQ(ProgressLine(readiness),
            "1/4 apps ready; waiting for b (2/3 running), c (2/3 running, 2 allocated), "
            "missing (not found)");
}

TEST(ReadinessTest, NotReadyUntilDemandRead) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  *apps.Add() = App("a", 0, 0, 0);
  apps[0].mutable_status()->clear_demand();
  auto readiness = EvaluateReadiness(apps, {"a"});
  EXPECT_FALSE(readiness[0].ready);
  EXPECT_EQ(readiness[0].detail, "demand not read yet");
}

TEST(ReadinessTest, FailingConditionBlocksReadiness) {
  google::protobuf::RepeatedPtrField<v1::App> apps;
  *apps.Add() = App("a", 2, 2, 2);
  v1::Condition& condition = *apps[0].mutable_status()->add_conditions();
  condition.set_type("DemandAvailable");
  condition.set_status("False");
  condition.set_message("connection refused");
  auto readiness = EvaluateReadiness(apps, {"a"});
  EXPECT_FALSE(readiness[0].ready);
  EXPECT_EQ(readiness[0].detail, "DemandAvailable=False: connection refused");
  condition.set_status("True");
  EXPECT_TRUE(EvaluateReadiness(apps, {"a"})[0].ready);
  condition.set_type("ImagePullFailed");
  EXPECT_FALSE(EvaluateReadiness(apps, {"a"})[0].ready);
}

TEST(ProgressLinePrinterTest, RewritesInPlaceOnTerminal) {
  std::ostringstream out;
  ProgressLinePrinter progress(out, true);
  progress.Update("one", absl::UnixEpoch());
  progress.Update("two", absl::UnixEpoch());
  progress.Finish();
  EXPECT_EQ(out.str(), "\r\033[Kone\r\033[Ktwo\r\033[K");
}

TEST(ProgressLinePrinterTest, PlainLinesOnChangeOrPeriodically) {
  std::ostringstream out;
  ProgressLinePrinter progress(out, false, absl::Seconds(5));
  const absl::Time t0 = absl::UnixEpoch();
  progress.Update("a", t0);
  progress.Update("a", t0 + absl::Seconds(1));
  progress.Update("b", t0 + absl::Seconds(2));
  progress.Update("b", t0 + absl::Seconds(8));
  progress.Finish();
  EXPECT_EQ(out.str(), "a\nb\nb\n");
}

}  // namespace
}  // namespace microscale::cli
