#include "common/http/growing_thread_pool.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace microscale::http_internal {
namespace {

// Waits (polling, generous deadline) until `condition` holds.
template <typename Condition>
bool Eventually(Condition condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TEST(GrowingThreadPoolTest, RunsBlockedTasksSideBySideUpToTheCap) {
  GrowingThreadPool pool(8);
  absl::Notification release;
  std::atomic<int> running{0};
  for (int i = 0; i < 8; ++i) {
    pool.enqueue([&] {
      ++running;
      release.WaitForNotification();
    });
  }
  EXPECT_TRUE(Eventually([&] { return running.load() == 8; }));
  EXPECT_EQ(pool.threads(), 8u);
  release.Notify();
  pool.shutdown();
}

TEST(GrowingThreadPoolTest, QueuesBeyondTheCapAndRunsEverythingAtShutdown) {
  GrowingThreadPool pool(2);
  absl::Notification release;
  std::atomic<int> done{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      release.WaitForNotification();
      ++done;
    });
  }
  EXPECT_EQ(pool.threads(), 2u);
  release.Notify();
  pool.shutdown();
  EXPECT_EQ(done.load(), 5);
}

TEST(GrowingThreadPoolTest, ReusesIdleThreads) {
  GrowingThreadPool pool(8);
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) {
    pool.enqueue([&] { ++done; });
    ASSERT_TRUE(Eventually([&] { return done.load() == i + 1; }));
  }
  EXPECT_LE(pool.threads(), 2u);
  pool.shutdown();
}

// After a flood, the threads it needed end once idle: none is kept for good (the HTTP
// server's connections would otherwise leave up to its cap of threads behind).
TEST(GrowingThreadPoolTest, ThreadsIdleLongerThanTheTimeoutEnd) {
  GrowingThreadPool pool(16, absl::Milliseconds(200));
  absl::Notification release;
  std::atomic<int> running{0};
  for (int i = 0; i < 16; ++i) {
    pool.enqueue([&] {
      ++running;
      release.WaitForNotification();
    });
  }
  ASSERT_TRUE(Eventually([&] { return running.load() == 16; }));
  EXPECT_EQ(pool.threads(), 16u);
  release.Notify();
  EXPECT_TRUE(Eventually([&] { return pool.threads() == 0; })) << pool.threads() << " left";
  // The pool still serves: a new task gets a new thread.
  std::atomic<bool> ran{false};
  pool.enqueue([&] { ran = true; });
  EXPECT_TRUE(Eventually([&] { return ran.load(); }));
  pool.shutdown();
}

}  // namespace
}  // namespace microscale::http_internal
