// The redis-list source against a real redis-server (Debian package redis-server) that
// the test starts on a free loopback port with a password.
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "controller/demand/redis_list_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/demand/test_servers.h"

namespace microscale {
namespace {

using ::microscale::testing::ChildProcess;
using ::microscale::testing::Eventually;
using ::microscale::testing::PortAnswers;
using ::microscale::testing::ScratchDir;
using ::testing::HasSubstr;

constexpr const char* kPassword = "s3cret";

class RedisServer {
 public:
  RedisServer() : port_(testing::FreeLoopbackPort()) { Start(); }

  void Start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"redis-server", "--bind", "127.0.0.1", "--port",
                                 std::to_string(port_), "--requirepass", kPassword, "--save", "",
                                 "--appendonly", "no", "--dir", dir_.path()},
        dir_.path() + "/redis.log");
  }
  void Stop() { process_->Stop(); }
  bool Ready() { return PortAnswers(port_); }
  int port() const { return port_; }

  // Runs one command as a client of database `db`; the reply's integer, or -1.
  long long Run(int db, const std::vector<std::string>& args) {
    redisContext* c = redisConnect("127.0.0.1", port_);
    long long out = -1;
    if (c != nullptr && c->err == 0) {
      freeReplyObject(redisCommand(c, "AUTH %s", kPassword));
      freeReplyObject(redisCommand(c, "SELECT %d", db));
      std::vector<const char*> argv;
      std::vector<size_t> lengths;
      for (const std::string& a : args) {
        argv.push_back(a.c_str());
        lengths.push_back(a.size());
      }
      auto* reply = static_cast<redisReply*>(
          redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()));
      if (reply != nullptr && reply->type == REDIS_REPLY_INTEGER) out = reply->integer;
      freeReplyObject(reply);
    }
    redisFree(c);
    return out;
  }

 private:
  ScratchDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

class RedisListIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::HaveProgram("redis-server"))
        << "redis-server is missing: install the Debian package redis-server";
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(Eventually([&] { return redis_->Ready(); })) << "redis-server did not start";
  }

  std::unique_ptr<RedisListDemandSource> Source(const std::string& password, int db) {
    auto source = RedisListDemandSource::Create(
        {"127.0.0.1:" + std::to_string(redis_->port()), "jobs", password, db}, absl::Seconds(2));
    EXPECT_TRUE(source.ok()) << source.status();
    return std::move(*source);
  }

  std::unique_ptr<RedisServer> redis_;
};

TEST_F(RedisListIntegrationTest, FollowsTheListLengthInTheChosenDatabase) {
  auto source = Source(kPassword, 2);
  EXPECT_EQ(*source->Read(absl::Now()), 0);
  ASSERT_EQ(redis_->Run(2, {"RPUSH", "jobs", "a", "b", "c"}), 3);
  ASSERT_EQ(redis_->Run(0, {"RPUSH", "jobs", "other-db"}), 1);
  EXPECT_EQ(*source->Read(absl::Now()), 3);
  redis_->Run(2, {"LPOP", "jobs"});
  redis_->Run(2, {"LPOP", "jobs"});
  EXPECT_EQ(*source->Read(absl::Now()), 1);
}

TEST_F(RedisListIntegrationTest, WrongPasswordAndWrongTypeAreFailures) {
  auto wrong = Source("nope", 0);
  auto r = wrong->Read(absl::Now());
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("AUTH failed"));

  redis_->Run(0, {"DEL", "jobs"});
  redis_->Run(0, {"SADD", "jobs", "x"});
  auto source = Source(kPassword, 0);
  r = source->Read(absl::Now());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("WRONGTYPE"));
}

TEST_F(RedisListIntegrationTest, StoppedServerFailsAndRestartedServerIsReadAgain) {
  auto source = Source(kPassword, 0);
  redis_->Run(0, {"RPUSH", "jobs", "a"});
  ASSERT_EQ(*source->Read(absl::Now()), 1);

  redis_->Stop();
  auto r = source->Read(absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();

  redis_->Start();  // same port; the data was not saved, so the list starts empty
  ASSERT_TRUE(Eventually([&] { return redis_->Ready(); }));
  redis_->Run(0, {"RPUSH", "jobs", "a", "b"});
  r = source->Read(absl::Now());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2);
}

TEST_F(RedisListIntegrationTest, ConnectionIsReusedAcrossReads) {
  auto source = Source(kPassword, 0);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(source->Read(absl::Now()).ok());
  // One connection from the source plus this client's own; CLIENT LIST counts them.
  long long clients = -1;
  redisContext* c = redisConnect("127.0.0.1", redis_->port());
  freeReplyObject(redisCommand(c, "AUTH %s", kPassword));
  auto* reply = static_cast<redisReply*>(redisCommand(c, "INFO clients"));
  std::string info(reply->str, static_cast<size_t>(reply->len));
  freeReplyObject(reply);
  redisFree(c);
  size_t at = info.find("connected_clients:");
  ASSERT_NE(at, std::string::npos);
  clients = std::stoll(info.substr(at + 18));
  EXPECT_EQ(clients, 2);
}

}  // namespace
}  // namespace microscale
