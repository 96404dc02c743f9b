#include "common/log.h"

#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1'700'000'000'123);

TEST(FormatLogLine, TextQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "connected",
                          {{"controller", "127.0.0.1:7400"}, {"attempt", 3}, {"ok", true}}),
            "2023-11-14T22:13:20.123Z INFO connected controller=127.0.0.1:7400 attempt=3 "
            "ok=true");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kError, "start failed",
                          {{"error", "no such image \"x\""}, {"empty", ""}}),
            "2023-11-14T22:13:20.123Z ERROR \"start failed\" error=\"no such image \\\"x\\\"\" "
            "empty=\"\"");
}

TEST(FormatLogLine, JsonKeepsNumbersBareAndEscapesStrings) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kWarn, "line\nbreak",
                          {{"n", int64_t{-5}}, {"d", absl::Milliseconds(1500)}, {"b", false}}),
            "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warn\",\"msg\":\"line\\nbreak\","
            "\"n\":-5,\"d\":\"1.5s\",\"b\":false}");
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kInfo, "m",
                          {{"status", absl::NotFoundError("gone")}, {"ctl", std::string("\x01")}}),
            "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"info\",\"msg\":\"m\","
            "\"status\":\"NOT_FOUND: gone\",\"ctl\":\"\\u0001\"}");
}

TEST(ParseLogFormat, AcceptsTextAndJsonOnly) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("xml").status().message(),
            "\"xml\" is not a log format (expected text or json)");
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
}

TEST(Logger, DropsLinesBelowTheMinimumLevel) {
  std::ostringstream out;
  FakeClock clock(kTime);
  Logger logger(&out, LogFormat::kText, LogLevel::kInfo, &clock);
  logger.Log(LogLevel::kDebug, "hidden", {});
  logger.Log(LogLevel::kInfo, "shown", {{"k", "v"}});
  EXPECT_EQ(out.str(), "2023-11-14T22:13:20.123Z INFO shown k=v\n");
}

TEST(Logger, LinesFromManyThreadsNeverInterleave) {
  std::ostringstream out;
  FakeClock clock(kTime);
  Logger logger(&out, LogFormat::kJson, LogLevel::kInfo, &clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 200; ++i) logger.Log(LogLevel::kInfo, "tick", {{"t", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 800u);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
}

}  // namespace
}  // namespace microscale
