#include "tests/integration/demand/redis_test_server.h"

#include <hiredis/hiredis.h>

#include <functional>

namespace microscale::testing {
namespace {

// Runs `args` on a new authenticated connection to database `db`; `use` sees the reply
// (nullptr when the server could not be reached).
void WithReply(int port, int db, const std::vector<std::string>& args,
               const std::function<void(const redisReply*)>& use) {
  redisContext* c = redisConnect("127.0.0.1", port);
  redisReply* reply = nullptr;
  if (c != nullptr && c->err == 0) {
    freeReplyObject(redisCommand(c, "AUTH %s", kRedisPassword));
    freeReplyObject(redisCommand(c, "SELECT %d", db));
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& a : args) {
      argv.push_back(a.c_str());
      lengths.push_back(a.size());
    }
    reply = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  }
  use(reply);
  freeReplyObject(reply);
  redisFree(c);
}

}  // namespace

RedisServer::RedisServer() : port_(FreeLoopbackPort()) { Start(); }

void RedisServer::Start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"redis-server", "--bind", "127.0.0.1", "--port",
                               std::to_string(port_), "--requirepass", kRedisPassword, "--save", "",
                               "--appendonly", "no", "--dir", dir_.path()},
      dir_.path() + "/redis.log");
}

void RedisServer::Stop() { process_->Stop(); }

bool RedisServer::Ready() { return PortAnswers(port_); }

std::string RedisServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

long long RedisServer::Run(int db, const std::vector<std::string>& args) {
  long long out = -1;
  WithReply(port_, db, args, [&](const redisReply* reply) {
    if (reply != nullptr && reply->type == REDIS_REPLY_INTEGER) out = reply->integer;
  });
  return out;
}

bool RedisServer::RunOk(int db, const std::vector<std::string>& args) {
  bool ok = false;
  WithReply(port_, db, args, [&](const redisReply* reply) {
    ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
  });
  return ok;
}

void RedisServerTest::SetUp() {
  ASSERT_TRUE(HaveProgram("redis-server"))
      << "redis-server is missing: install the Debian package redis-server";
  redis_ = std::make_unique<RedisServer>();
  ASSERT_TRUE(Eventually([&] { return redis_->Ready(); })) << "redis-server did not start";
}

}  // namespace microscale::testing
