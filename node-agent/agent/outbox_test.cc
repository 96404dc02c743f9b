#include "node-agent/agent/outbox.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace microscale {
namespace {

v1::AgentMessage Result(const std::string& id) {
  v1::AgentMessage message;
  message.mutable_result()->set_command_id(id);
  return message;
}

TEST(Outbox, PopAllTakesEveryQueuedMessageInOrder) {
  Outbox outbox;
  ASSERT_TRUE(outbox.Push(Result("c1")));
  ASSERT_TRUE(outbox.Push(Result("c2")));
  ASSERT_TRUE(outbox.Push(Result("c3")));
  std::vector<v1::AgentMessage> messages;
  ASSERT_TRUE(outbox.PopAll(&messages));
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].result().command_id(), "c1");
  EXPECT_EQ(messages[1].result().command_id(), "c2");
  EXPECT_EQ(messages[2].result().command_id(), "c3");
  ASSERT_TRUE(outbox.Push(Result("c4")));
  ASSERT_TRUE(outbox.PopAll(&messages));
  ASSERT_EQ(messages.size(), 1u) << "what was taken before is not taken again";
  EXPECT_EQ(messages[0].result().command_id(), "c4");
}

TEST(Outbox, PopAllWaitsForAMessageAndEndsOnClose) {
  Outbox outbox;
  std::vector<v1::AgentMessage> messages;
  std::thread pusher([&] { outbox.Push(Result("late")); });
  ASSERT_TRUE(outbox.PopAll(&messages));
  pusher.join();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].result().command_id(), "late");
  std::thread closer([&] { outbox.Close(); });
  EXPECT_FALSE(outbox.PopAll(&messages));
  closer.join();
  EXPECT_TRUE(messages.empty());
  EXPECT_FALSE(outbox.Push(Result("after")));
}

}  // namespace
}  // namespace microscale
