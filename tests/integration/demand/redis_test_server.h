// A real redis-server (Debian package redis-server) for the Redis sources' integration
// tests: started on a free loopback port with a password, no persistence, in a scratch
// directory; stopped on destruction. Thread-safety: none; one per test.
#ifndef MICROSCALE_TESTS_INTEGRATION_DEMAND_REDIS_TEST_SERVER_H_
#define MICROSCALE_TESTS_INTEGRATION_DEMAND_REDIS_TEST_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/demand/test_servers.h"

namespace microscale::testing {

inline constexpr const char* kRedisPassword = "s3cret";

class RedisServer {
 public:
  RedisServer();

  void Start();
  void Stop();
  bool Ready();
  int port() const { return port_; }
  std::string address() const;

  // Runs one command as a client of database `db`: the reply's integer, or -1.
  long long Run(int db, const std::vector<std::string>& args);
  // Runs one command: whether the reply is not an error (and not missing).
  bool RunOk(int db, const std::vector<std::string>& args);

 private:
  ScratchDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

// A fixture that starts one RedisServer per test and waits until it answers.
class RedisServerTest : public ::testing::Test {
 protected:
  void SetUp() override;

  std::unique_ptr<RedisServer> redis_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_INTEGRATION_DEMAND_REDIS_TEST_SERVER_H_
