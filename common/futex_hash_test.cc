#include "common/futex_hash.h"

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace microscale {
namespace {

// Threads blocked on a condition variable while the process moves to the global hash all
// wake up afterwards (the kernel moves its waiters from the private hash).
TEST(UseGlobalFutexHash, MovesTheProcessToTheGlobalHashAndItsWaitersWithIt) {
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  int waiting = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      std::unique_lock lock(mu);
      ++waiting;
      cv.notify_all();
      cv.wait(lock, [&] { return go; });
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting == 8; });
  }
  ASSERT_TRUE(UseGlobalFutexHash().ok());
  errno = 0;
  const int slots = PrivateFutexHashSlots();
  // 0: the global hash; -1 with EINVAL: a kernel before 6.17, which has no private hash.
  EXPECT_TRUE(slots == 0 || (slots == -1 && errno == EINVAL)) << slots << " " << errno;
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();
  for (std::thread& t : threads) t.join();
}

}  // namespace
}  // namespace microscale
