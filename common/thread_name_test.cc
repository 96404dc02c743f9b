#include "common/thread_name.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace microscale {
namespace {

TEST(NameThisThread, NamesTheCallingThreadOnly) {
  const std::string before = ThisThreadName();
  std::string inside;
  std::thread worker([&] {
    NameThisThread("reconciler");
    inside = ThisThreadName();
  });
  worker.join();
  EXPECT_EQ(inside, "reconciler");
  EXPECT_EQ(ThisThreadName(), before);
}

TEST(NameThisThread, KeepsTheFirstFifteenBytes) {
  std::string inside;
  std::thread worker([&] {
    NameThisThread("assignment-writer-thread");
    inside = ThisThreadName();
  });
  worker.join();
  EXPECT_EQ(inside, "assignment-writ");
}

}  // namespace
}  // namespace microscale
