#include "controller/server/assignment_writer.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "controller/store/memory_state_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;

v1::Container Assigned(const std::string& instance, const std::string& node) {
  v1::Container c;
  c.set_instance(instance);
  c.set_app("web");
  c.set_node(node);
  return c;
}

std::vector<std::string> Stored(StateStore& store) {
  std::vector<std::string> out;
  absl::StatusOr<std::vector<v1::Container>> stored = store.ListAssignments();
  EXPECT_TRUE(stored.ok());
  if (!stored.ok()) return out;
  for (const v1::Container& c : *stored) {
    out.push_back(c.instance() + "@" + c.node());
  }
  return out;
}

// A store write that can be made to fail, and that counts batches.
class Gate {
 public:
  explicit Gate(StateStore& store) : store_(store) {}
  absl::Status Write(const AssignmentChanges& changes) {
    absl::MutexLock lock(&mu_);
    ++batches_;
    if (failures_left_ > 0) {
      --failures_left_;
      return absl::UnavailableError("disk on fire");
    }
    return store_.ApplyAssignmentChanges(changes);
  }
  void FailNext(int n) {
    absl::MutexLock lock(&mu_);
    failures_left_ = n;
  }
  int batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

 private:
  StateStore& store_;
  absl::Mutex mu_;
  int failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  int batches_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(AssignmentWriterTest, WritesChangesAndTheLatestRecordWins) {
  MemoryStateStore store;
  Gate gate(store);
  AssignmentWriter writer([&](const AssignmentChanges& c) { return gate.Write(c); });
  writer.Submit({{Assigned("web-0", "n1"), Assigned("web-1", "n1")}, {}});
  writer.Submit({{Assigned("web-1", "n2")}, {"web-0"}});
  writer.Submit({});  // nothing: no write
  ASSERT_TRUE(writer.Flush());
  EXPECT_THAT(Stored(store), ElementsAre("web-1@n2"));
  EXPECT_EQ(writer.pending(), 0u);
  EXPECT_LE(gate.batches(), 2);
  EXPECT_EQ(writer.writes(), gate.batches());
}

TEST(AssignmentWriterTest, AFailedWriteIsRetriedWithWhatCameSince) {
  MemoryStateStore store;
  Gate gate(store);
  gate.FailNext(2);
  AssignmentWriter writer([&](const AssignmentChanges& c) { return gate.Write(c); },
                          absl::Milliseconds(20));
  writer.Submit({{Assigned("web-0", "n1")}, {}});
  EXPECT_FALSE(writer.Flush()) << "the first write fails";
  writer.Submit({{Assigned("web-1", "n1")}, {}});
  // The removal of web-0 arrives after its failed upsert: the removal wins.
  writer.Submit({{}, {"web-0"}});
  while (!writer.Flush()) {
  }
  EXPECT_THAT(Stored(store), ElementsAre("web-1@n1"));
  EXPECT_EQ(writer.failed_writes(), 2);
}

TEST(AssignmentWriterTest, ALargeChangeIsWrittenInBatchesOfAtMostTheLimit) {
  MemoryStateStore store;
  absl::Mutex mu;
  std::vector<size_t> sizes;
  AssignmentWriter writer(
      [&](const AssignmentChanges& c) {
        absl::MutexLock lock(&mu);
        sizes.push_back(c.upserts.size() + c.removals.size());
        return store.ApplyAssignmentChanges(c);
      },
      absl::Seconds(1), /*max_batch=*/3);
  AssignmentChanges changes;
  for (int i = 0; i < 10; ++i)
    changes.upserts.push_back(Assigned("web-" + std::to_string(i), "n1"));
  writer.Submit(std::move(changes));
  ASSERT_TRUE(writer.Flush()) << "Flush waits for every batch of it";
  EXPECT_EQ(store.ListAssignments()->size(), 10u);
  absl::MutexLock lock(&mu);
  size_t total = 0;
  for (size_t n : sizes) {
    EXPECT_LE(n, 3u);
    total += n;
  }
  EXPECT_EQ(total, 10u);
}

TEST(AssignmentWriterTest, DestructionWritesWhatIsPending) {
  MemoryStateStore store;
  {
    AssignmentWriter writer(
        [&](const AssignmentChanges& c) { return store.ApplyAssignmentChanges(c); });
    for (int i = 0; i < 100; ++i) {
      writer.Submit({{Assigned("web-" + std::to_string(i), "n1")}, {}});
    }
  }
  EXPECT_EQ(store.ListAssignments()->size(), 100u);
}

}  // namespace
}  // namespace microscale
