#include "node-agent/core/port_allocator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr PortRange kFive{100, 104};

std::vector<int> Take(PortAllocator& ports, const std::string& owner, int count = 1,
                      const HostPortProbe& probe = nullptr) {
  absl::StatusOr<std::vector<int>> got = ports.Allocate(owner, count, probe);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.value_or(std::vector<int>());
}

TEST(PortAllocatorTest, HandsOutRoundRobinNotLowestFirst) {
  PortAllocator ports(kFive);
  EXPECT_THAT(Take(ports, "a"), ElementsAre(100));
  EXPECT_THAT(Take(ports, "b", 2), ElementsAre(101, 102));
  ports.Release("a");
  // 100 was just freed: a load balancer may still send its traffic there.
  EXPECT_THAT(Take(ports, "c"), ElementsAre(103));
  EXPECT_THAT(ports.Held("b"), ElementsAre(101, 102));
  EXPECT_THAT(ports.Held("a"), IsEmpty());
}

TEST(PortAllocatorTest, WrapsAtTheEndOfTheRange) {
  PortAllocator ports({100, 102});
  EXPECT_THAT(Take(ports, "a", 3), ElementsAre(100, 101, 102));
  ports.Release("a");
  EXPECT_THAT(Take(ports, "b"), ElementsAre(100));
  EXPECT_THAT(Take(ports, "c", 2), ElementsAre(101, 102));
}

TEST(PortAllocatorTest, SkipsHeldPortsAndPortsTheHostHasInUse) {
  PortAllocator ports(kFive);
  ports.Hold("host-network", {101, 8080});  // a host-network container's own ports
  auto host_has = [](int port) { return port != 102; };
  EXPECT_THAT(Take(ports, "a", 2, host_has), ElementsAre(100, 103));
  EXPECT_THAT(Take(ports, "b", 1, host_has), ElementsAre(104));
}

TEST(PortAllocatorTest, AnExhaustedRangeFailsAndChangesNothing) {
  PortAllocator ports({100, 101});
  EXPECT_THAT(Take(ports, "a"), ElementsAre(100));
  absl::StatusOr<std::vector<int>> none = ports.Allocate("b", 2, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(none.status())) << none.status();
  EXPECT_EQ(none.status().message(), "no free host port in --port-range 100-101");
  EXPECT_THAT(ports.Held("b"), IsEmpty());
  auto nothing_free = [](int) { return false; };
  EXPECT_FALSE(ports.Allocate("b", 1, nothing_free).ok());
  EXPECT_THAT(Take(ports, "b"), ElementsAre(101)) << "the cursor did not move";
  EXPECT_FALSE(ports.Allocate("c", 1, nullptr).ok());
  ports.Release("a");
  EXPECT_THAT(Take(ports, "c"), ElementsAre(100)) << "a released port is free again";
}

// A container replaced under its name gets new ports; its old ones only when nothing else
// is left (a range of one port must still let an exited container be replaced). Until its
// start settles what it holds (Hold, Release), the name keeps its old ports too: the
// container there may turn out to be live and be adopted.
TEST(PortAllocatorTest, AnOwnersOldPortsComeLast) {
  PortAllocator ports({100, 102});
  EXPECT_THAT(Take(ports, "b"), ElementsAre(100));
  EXPECT_THAT(Take(ports, "a"), ElementsAre(101));
  EXPECT_THAT(Take(ports, "c"), ElementsAre(102));
  ports.Release("c");
  EXPECT_THAT(Take(ports, "a"), ElementsAre(102)) << "101 is a's own: last";
  EXPECT_THAT(ports.Held("a"), ElementsAre(102, 101));
  EXPECT_FALSE(ports.Allocate("d", 1, nullptr).ok()) << "101 is still a's";
  ports.Hold("a", {102});
  EXPECT_THAT(Take(ports, "d"), ElementsAre(101));
  PortAllocator one({100, 100});
  EXPECT_THAT(Take(one, "a"), ElementsAre(100));
  EXPECT_THAT(Take(one, "a"), ElementsAre(100));
  EXPECT_THAT(one.Held("a"), ElementsAre(100));
  EXPECT_FALSE(one.Allocate("b", 1, nullptr).ok());
}

TEST(PortAllocatorTest, ZeroPortsIsNoPorts) {
  PortAllocator ports({100, 100});
  EXPECT_THAT(Take(ports, "a", 0), IsEmpty());
  EXPECT_THAT(Take(ports, "b"), ElementsAre(100));
}

TEST(PortAllocatorTest, AListingDoesNotUndoNewerChanges) {
  PortAllocator ports(kFive);
  ports.Hold("gone", {100});
  ports.Hold("leaving", {101});
  const uint64_t since = ports.Sequence();
  // While the engine answers the listing, one start picks a port and one stop frees one.
  EXPECT_THAT(Take(ports, "starting"), ElementsAre(102));
  ports.Release("leaving");
  ports.ReplaceAll({{"leaving", {101}}, {"found", {103}}}, since);
  EXPECT_THAT(ports.Held("starting"), ElementsAre(102));
  EXPECT_THAT(ports.Held("leaving"), IsEmpty());
  EXPECT_THAT(ports.Held("found"), ElementsAre(103));
  EXPECT_THAT(ports.Held("gone"), IsEmpty());
  ports.ReplaceAll({{"found", {103}}}, ports.Sequence());
  EXPECT_THAT(ports.Held("starting"), IsEmpty()) << "a newer listing is the truth";
}

// A restarted agent learns what its containers hold from the engine and continues after
// the highest of those ports, as its predecessor's round-robin would have.
TEST(PortAllocatorTest, ARestartedAgentNeverHandsOutAHeldPort) {
  PortAllocator ports(kFive);
  ports.ReplaceAll({{"web-0", {100}}, {"web-1", {102}}}, ports.Sequence());
  EXPECT_THAT(Take(ports, "web-2", 2), ElementsAre(103, 104));
  EXPECT_THAT(Take(ports, "web-3"), ElementsAre(101));
  EXPECT_FALSE(ports.Allocate("web-4", 1, nullptr).ok());
}

TEST(PortAllocatorTest, ConcurrentAllocationsNeverShareAPort) {
  PortAllocator ports({20000, 20999});
  std::vector<std::vector<int>> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto picked = ports.Allocate(std::to_string(t * 100 + i), 2, nullptr);
        if (picked.ok()) got[t].insert(got[t].end(), picked->begin(), picked->end());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int> all;
  for (const auto& ports_of_thread : got)
    all.insert(ports_of_thread.begin(), ports_of_thread.end());
  EXPECT_EQ(all.size(), 800u);
}

}  // namespace
}  // namespace microscale
