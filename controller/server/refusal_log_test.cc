#include "controller/server/refusal_log.h"

#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace microscale {
namespace {

class RefusalLogTest : public ::testing::Test {
 protected:
  std::string Exposition() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    return out.str();
  }
  std::vector<std::string> Lines() {
    std::vector<std::string> lines = absl::StrSplit(log_.str(), '\n', absl::SkipEmpty());
    return lines;
  }

  FakeClock clock_;
  prometheus::Registry registry_;
  std::ostringstream log_;
  Logger logger_{&log_, LogFormat::kText, LogLevel::kInfo, &clock_};
};

TEST_F(RefusalLogTest, EveryReasonIsCountedAndLoggedAsOneLine) {
  RefusalLog refusals(clock_, registry_, {}, logger_);
  EXPECT_NE(Exposition().find("microscale_api_refused_total{reason=\"denied\"} 0"),
            std::string::npos)
      << "every reason is exported from the start";
  refusals.Record(RefusalReason::kUnauthenticated, "ApplyApps", "ipv4:127.0.0.1:5000",
                  "this controller requires a token");
  refusals.Record(RefusalReason::kDenied, "SetDemand", "ipv4:127.0.0.1:5001", "role viewer");
  refusals.Record(RefusalReason::kRateLimited, "GetApps", "ipv4:127.0.0.1:5002", "slow down");
  refusals.Record(RefusalReason::kTooLarge, "ApplyApps", "ipv4:127.0.0.1:5003", "2 MiB");
  const std::string text = Exposition();
  for (const char* reason : {"unauthenticated", "denied", "rate_limited", "too_large"}) {
    EXPECT_NE(text.find(absl::StrCat("microscale_api_refused_total{reason=\"", reason, "\"} 1")),
              std::string::npos)
        << reason << "\n"
        << text;
  }
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u) << log_.str();
  EXPECT_TRUE(absl::StrContains(lines[1], "API call refused"));
  EXPECT_TRUE(absl::StrContains(lines[1], "reason=denied")) << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[1], "api=SetDemand")) << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[1], "127.0.0.1:5001")) << lines[1];
}

TEST_F(RefusalLogTest, AFloodIsCountedInFullButLoggedWithinTheBudget) {
  RefusalLog refusals(clock_, registry_, LogBudget{.per_second = 10, .burst = 50}, logger_);
  for (int i = 0; i < 10'000; ++i) {
    refusals.Record(RefusalReason::kUnauthenticated, "GetApps", "ipv4:127.0.0.1:6000",
                    std::string(5000, 'x'));  // a long error is cut, not written whole
  }
  EXPECT_NE(Exposition().find("microscale_api_refused_total{reason=\"unauthenticated\"} 10000"),
            std::string::npos);
  EXPECT_EQ(Lines().size(), 50u) << "the burst, then nothing while the clock stands still";
  EXPECT_EQ(refusals.suppressed_total(), 9'950u);
  EXPECT_LT(log_.str().size(), 50u * 600) << "each line is bounded";

  // A second later the budget has 10 more lines; the first says how many were left out.
  clock_.Advance(absl::Seconds(1));
  refusals.Record(RefusalReason::kUnauthenticated, "GetApps", "ipv4:127.0.0.1:6000", "again");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_TRUE(absl::StrContains(lines.back(), "suppressed=9950")) << lines.back();
}

}  // namespace
}  // namespace microscale
