#include "common/clock.h"

#include "gtest/gtest.h"

namespace microscale {
namespace {

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
  clock.SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(clock.Now(), absl::FromUnixMillis(105'500));
  clock.Set(absl::FromUnixSeconds(7));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(7));
}

TEST(RealClock, IsMonotonicEnoughForTimestamps) {
  absl::Time a = RealClock::Get().Now();
  absl::Time b = RealClock::Get().Now();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace microscale
