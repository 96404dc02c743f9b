#include "common/backoff.h"

#include "gtest/gtest.h"

namespace microscale {
namespace {

TEST(Backoff, GrowsExponentiallyWithoutJitter) {
  Backoff b(
      {.initial = absl::Milliseconds(100), .max = absl::Seconds(1), .multiplier = 2, .jitter = 0});
  EXPECT_EQ(b.Next(), absl::Milliseconds(100));
  EXPECT_EQ(b.Next(), absl::Milliseconds(200));
  EXPECT_EQ(b.Next(), absl::Milliseconds(400));
  EXPECT_EQ(b.Next(), absl::Milliseconds(800));
  EXPECT_EQ(b.Next(), absl::Seconds(1));
  EXPECT_EQ(b.Next(), absl::Seconds(1));
  b.Reset();
  EXPECT_EQ(b.Next(), absl::Milliseconds(100));
}

TEST(Backoff, JitterStaysWithinBounds) {
  Backoff b(
      {.initial = absl::Milliseconds(100), .max = absl::Seconds(5), .multiplier = 2, .jitter = 0.5},
      /*seed=*/42);
  for (int i = 0; i < 200; ++i) {
    absl::Duration d = b.Next();
    EXPECT_GE(d, absl::Milliseconds(50) * (i < 6 ? (1 << i) : 50) - absl::Nanoseconds(1));
    EXPECT_LE(d, absl::Seconds(5));
  }
}

TEST(Backoff, HugeAttemptCountsDoNotOverflow) {
  Backoff b(
      {.initial = absl::Milliseconds(1), .max = absl::Seconds(2), .multiplier = 10, .jitter = 0});
  for (int i = 0; i < 1000; ++i) b.Next();
  EXPECT_EQ(b.Next(), absl::Seconds(2));
}

}  // namespace
}  // namespace microscale
