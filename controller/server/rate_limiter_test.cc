#include "controller/server/rate_limiter.h"

#include <string>

#include "gtest/gtest.h"

namespace microscale {
namespace {

// How many of `n` requests from `peer` are admitted, all at the same instant.
int AdmittedOf(PeerRateLimiter& limiter, const std::string& peer, int n) {
  int admitted = 0;
  for (int i = 0; i < n; ++i) admitted += limiter.Admit(peer) ? 1 : 0;
  return admitted;
}

TEST(PeerRateLimiter, BurstThenRefusesUntilTimeRefills) {
  FakeClock clock;
  PeerRateLimiter limiter(clock, RateLimit{10, 20, 100});
  EXPECT_EQ(AdmittedOf(limiter, "ipv4:10.0.0.1:5000", 25), 20);
  clock.Advance(absl::Milliseconds(500));  // 5 more
  EXPECT_EQ(AdmittedOf(limiter, "ipv4:10.0.0.1:5000", 10), 5);
  clock.Advance(absl::Seconds(60));  // refills to the burst, no further
  EXPECT_EQ(AdmittedOf(limiter, "ipv4:10.0.0.1:5000", 30), 20);
}

TEST(PeerRateLimiter, SustainedRateIsTheConfiguredOne) {
  FakeClock clock;
  PeerRateLimiter limiter(clock, RateLimit{50, 100, 100});
  AdmittedOf(limiter, "p", 100);
  int admitted = 0;
  for (int ms = 0; ms < 10'000; ms += 5) {  // 200 requests/s for 10 s
    clock.Advance(absl::Milliseconds(5));
    admitted += limiter.Admit("p") ? 1 : 0;
  }
  EXPECT_GE(admitted, 499);
  EXPECT_LE(admitted, 501);
}

TEST(PeerRateLimiter, PeersHaveTheirOwnBuckets) {
  FakeClock clock;
  PeerRateLimiter limiter(clock, RateLimit{1, 3, 100});
  EXPECT_EQ(AdmittedOf(limiter, "a", 5), 3);
  EXPECT_EQ(AdmittedOf(limiter, "b", 5), 3);
  EXPECT_FALSE(limiter.Admit("a"));
}

TEST(PeerRateLimiter, TableStaysBoundedDroppingIdlePeersFirst) {
  FakeClock clock;
  PeerRateLimiter limiter(clock, RateLimit{10, 10, 3});
  AdmittedOf(limiter, "busy", 10);  // empty bucket
  limiter.Admit("idle-1");
  limiter.Admit("idle-2");
  clock.Advance(absl::Seconds(2));  // idle buckets are full again
  AdmittedOf(limiter, "busy", 20);  // drained again, seen just now
  EXPECT_TRUE(limiter.Admit("new"));
  EXPECT_LE(limiter.peers(), 3u);
  // "busy" was kept: its empty bucket still refuses.
  EXPECT_FALSE(limiter.Admit("busy"));
}

TEST(PeerRateLimiter, FullTableOfBusyPeersDropsTheOneSeenLongestAgo) {
  FakeClock clock;
  PeerRateLimiter limiter(clock, RateLimit{1, 5, 2});
  AdmittedOf(limiter, "old", 5);
  clock.Advance(absl::Milliseconds(100));
  AdmittedOf(limiter, "recent", 5);
  clock.Advance(absl::Milliseconds(100));
  EXPECT_TRUE(limiter.Admit("third"));
  EXPECT_EQ(limiter.peers(), 2u);
  EXPECT_FALSE(limiter.Admit("recent"));  // kept, still empty
  for (int i = 0; i < 10000; ++i) limiter.Admit("peer-" + std::to_string(i));
  EXPECT_EQ(limiter.peers(), 2u);
}

}  // namespace
}  // namespace microscale
