#include "controller/server/crash_loop.h"

#include "gtest/gtest.h"

namespace microscale {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(CrashLoopsTest, TheHoldDoublesFrom10SecondsUpTo5Minutes) {
  CrashLoops loops;
  absl::Time now = kT0;
  const absl::Duration expected[] = {absl::Seconds(10), absl::Seconds(20),  absl::Seconds(40),
                                     absl::Seconds(80), absl::Seconds(160), absl::Seconds(300),
                                     absl::Seconds(300)};
  int crash = 0;
  for (absl::Duration delay : expected) {
    ++crash;
    std::optional<CrashLoop> loop =
        loops.OnExit("web", "web-" + std::to_string(crash), 3, absl::Seconds(2), now);
    ASSERT_TRUE(loop.has_value());
    EXPECT_EQ(loop->crashes, crash);
    EXPECT_EQ(loop->delay, delay) << "crash " << crash;
    EXPECT_EQ(loop->exit_code, 3);
    EXPECT_TRUE(loops.Holding("web", now));
    EXPECT_TRUE(loops.Holding("web", now + delay - absl::Milliseconds(1)));
    EXPECT_FALSE(loops.Holding("web", now + delay));
    EXPECT_FALSE(loops.Holding("api", now)) << "another app is never held";
    now += delay + absl::Seconds(2);  // the replacement starts, runs 2 s and exits
  }
}

TEST(CrashLoopsTest, TenMinutesWithoutACrashStartOver) {
  CrashLoops loops;
  ASSERT_TRUE(loops.OnExit("web", "web-0", 1, absl::Seconds(1), kT0).has_value());
  std::optional<CrashLoop> second =
      loops.OnExit("web", "web-1", 1, absl::Seconds(1), kT0 + absl::Seconds(12));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->delay, absl::Seconds(20));
  // The next replacement runs for 10 minutes past the hold: the loop is over.
  const absl::Time later = second->until + absl::Minutes(10);
  EXPECT_TRUE(loops.Get("web").has_value());
  EXPECT_EQ(loops.Expire(later - absl::Seconds(1)).size(), 0u);
  EXPECT_EQ(loops.Expire(later), std::vector<std::string>{"web"});
  EXPECT_FALSE(loops.Get("web").has_value());
  std::optional<CrashLoop> again = loops.OnExit("web", "web-2", 1, absl::Seconds(1), later);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->crashes, 1);
  EXPECT_EQ(again->delay, absl::Seconds(10));
}

TEST(CrashLoopsTest, AContainerThatRanTenMinutesIsNoCrash) {
  CrashLoops loops;
  ASSERT_TRUE(loops.OnExit("web", "web-0", 1, absl::Seconds(1), kT0).has_value());
  EXPECT_FALSE(
      loops.OnExit("web", "web-1", 0, absl::Minutes(10), kT0 + absl::Minutes(11)).has_value());
  EXPECT_FALSE(loops.Get("web").has_value()) << "a long run ends the loop";
  EXPECT_FALSE(loops.Holding("web", kT0 + absl::Minutes(11)));
}

}  // namespace
}  // namespace microscale
