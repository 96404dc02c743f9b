// End to end, demand from real systems: apps whose demand is a Redis list's length, a Redis
// stream consumer group's backlog, a RabbitMQ queue's messages, a NATS JetStream consumer's
// pending messages, a KEDA external scaler's
// metrics, a number in a JSON document served
// over HTTP, and a Prometheus query over a scraped exporter, each followed up and down by real
// containers on dockerd; a source that stops answering holds the running count (the same containers
// keep running), shows DemandAvailable=False with the error, moves to fallback.replicas after N
// failures and recovers when the server returns; bad source settings are refused at apply. One
// cluster (controller + two agents) is shared by the suite; each test uses its own app names and
// servers, all on loopback.
#include <atomic>
#include <set>

#include "controller/demand/testing/test_external_scaler.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_cluster.h"
#include "tests/e2e/real_servers.h"

namespace microscale::testing {
namespace {

// An App manifest whose `spec.demand` block is `demand` (indented four spaces).
std::string SourceApp(const std::string& name, int max, const std::string& demand) {
  return "apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: " + name +
         "\nspec:\n  priority: 5\n  image: microscale/demo:latest\n"
         "  command: [\"/bin/sh\", \"-c\", \"while true; do sleep 1; done\"]\n"
         "  stopTimeoutSeconds: 1\n  resources: {cpu: 100m, memory: 16Mi}\n"
         "  replicas: {min: 0, max: " +
         std::to_string(max) + "}\n  demand:\n" + demand;
}

std::string RedisDemand(const std::string& address, const std::string& extra = "") {
  return "    source: redis-list\n    intervalSeconds: 0.5\n    timeoutSeconds: 1\n" + extra +
         "    redisList: {address: \"" + address + "\", key: jobs}\n";
}

class SourcesE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new E2eCluster("sources"); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void TearDown() override {
    for (const std::string& app : apps_) cluster_->Cli({"delete", "app", app});
    for (const std::string& app : apps_) {
      cluster_->WaitFor([&] { return cluster_->DockerRunning(app) == 0; },
                        "containers of " + app + " gone");
    }
  }

  E2eCluster& c() { return *cluster_; }

  std::string Apply(const std::string& base, int max, const std::string& demand) {
    std::string name = c().App(base);
    apps_.push_back(name);
    CommandResult r = c().Cli({"apply", "-f", "-"}, SourceApp(name, max, demand));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return name;
  }

  // Waits until both the controller and the Docker Engine agree that `n` run.
  bool WaitRunning(const std::string& app, int n, int seconds = 60) {
    return c().WaitFor(
        [&] { return c().Status(app, "running") == n && c().DockerRunning(app) == n; },
        app + " running " + std::to_string(n), absl::Seconds(seconds));
  }

  // The app's condition of `type` from `get apps NAME -o json`; null when absent.
  nlohmann::json Condition(const std::string& app, const std::string& type) {
    nlohmann::json list = c().Json({"get", "apps", app});
    if (!list.is_object() || list["items"].size() != 1) return nullptr;
    for (const nlohmann::json& condition : list["items"][0]["status"]["conditions"]) {
      if (condition["type"] == type) return condition;
    }
    return nullptr;
  }
  bool DemandAvailable(const std::string& app, const std::string& status) {
    nlohmann::json condition = Condition(app, "DemandAvailable");
    return condition.is_object() && condition["status"] == status;
  }

  // Docker ids of the app's running containers.
  std::set<std::string> RunningIds(const std::string& app) {
    std::set<std::string> ids;
    for (const auto& container : c().DockerContainers()) {
      auto it = container.labels.find("io.microscale.app");
      if (it != container.labels.end() && it->second == app && container.state == "running") {
        ids.insert(container.id);
      }
    }
    return ids;
  }

  static E2eCluster* cluster_;
  std::vector<std::string> apps_;
};

E2eCluster* SourcesE2eTest::cluster_ = nullptr;

TEST_F(SourcesE2eTest, RedisListAppFollowsTheListLength) {
  ASSERT_FALSE(FindProgram("redis-server").empty()) << "install the Debian package redis-server";
  RedisServer redis;
  ASSERT_TRUE(redis.StartAndWait()) << redis.log();
  std::string app = Apply("queue", 6, RedisDemand(redis.address()));
  WaitRunning(app, 0);
  ASSERT_EQ(redis.Cli({"RPUSH", "jobs", "a", "b", "c"}), "3");
  WaitRunning(app, 3);
  EXPECT_EQ(c().Status(app, "demand"), 3);
  ASSERT_EQ(redis.Cli({"RPUSH", "jobs", "d"}), "4");
  WaitRunning(app, 4);
  ASSERT_EQ(redis.Cli({"LPOP", "jobs", "3"}), "a\nb\nc");
  WaitRunning(app, 1);
  ASSERT_EQ(redis.Cli({"LPOP", "jobs"}), "d");
  WaitRunning(app, 0);
}

// A consumer group's backlog: entries not yet delivered plus those delivered and not yet
// acknowledged. The server stopping holds the count and says why; its return resumes.
TEST_F(SourcesE2eTest, RedisStreamAppFollowsTheConsumerGroupsBacklog) {
  ASSERT_FALSE(FindProgram("redis-server").empty()) << "install the Debian package redis-server";
  RedisServer redis;
  ASSERT_TRUE(redis.StartAndWait()) << redis.log();
  ASSERT_EQ(redis.Cli({"XGROUP", "CREATE", "orders", "workers", "$", "MKSTREAM"}), "OK");
  std::string app = Apply("stream", 8,
                          "    source: redis-stream\n    targetPerContainer: 5\n"
                          "    intervalSeconds: 0.5\n    timeoutSeconds: 1\n"
                          "    redisStream: {address: \"" +
                              redis.address() + "\", key: orders, group: workers}\n");
  WaitRunning(app, 0);
  auto add = [&](int first, int last) {
    for (int i = first; i <= last; ++i) {
      std::string id = std::to_string(i) + "-0";
      ASSERT_EQ(redis.Cli({"XADD", "orders", id, "n", "1"}), id);
    }
  };
  add(1, 12);
  WaitRunning(app, 3);  // 12 undelivered: ceil(12 / 5)
  EXPECT_EQ(c().Status(app, "demand"), 12);
  // Delivered but not acknowledged is still work: 12 pending and 3 new make 15.
  redis.Cli({"XREADGROUP", "GROUP", "workers", "c1", "COUNT", "12", "STREAMS", "orders", ">"});
  add(13, 15);
  c().WaitFor([&] { return c().Status(app, "demand") == 15; }, app + " demand 15");
  EXPECT_EQ(c().Status(app, "running"), 3);
  std::vector<std::string> ack = {"XACK", "orders", "workers"};
  for (int i = 1; i <= 12; ++i) ack.push_back(std::to_string(i) + "-0");
  ASSERT_EQ(redis.Cli(ack), "12");
  WaitRunning(app, 1);  // 3 undelivered

  const std::set<std::string> before = RunningIds(app);
  redis.Stop();
  c().WaitFor([&] { return DemandAvailable(app, "False"); }, app + " DemandAvailable=False");
  nlohmann::json condition = Condition(app, "DemandAvailable");
  EXPECT_NE(condition["message"].get<std::string>().find("redis-stream"), std::string::npos)
      << condition;
  EXPECT_EQ(RunningIds(app), before);

  ASSERT_TRUE(redis.StartAndWait()) << redis.log();  // with its saved stream and group
  c().WaitFor([&] { return DemandAvailable(app, "True"); }, app + " DemandAvailable=True");
  redis.Cli({"XREADGROUP", "GROUP", "workers", "c1", "COUNT", "3", "STREAMS", "orders", ">"});
  ASSERT_EQ(redis.Cli({"XACK", "orders", "workers", "13-0", "14-0", "15-0"}), "3");
  WaitRunning(app, 0);
}

// Messages ready plus unacknowledged of a RabbitMQ queue, from the management API. The
// broker stopping holds the count and says why; its return resumes. Wrong credentials are
// named in the condition.
TEST_F(SourcesE2eTest, RabbitMqAppFollowsTheQueue) {
  ASSERT_FALSE(FindProgram("epmd").empty()) << "install the Debian package rabbitmq-server";
  RabbitMqServer rabbit;
  ASSERT_TRUE(rabbit.StartAndWait()) << rabbit.log();
  ASSERT_TRUE(rabbit.DeclareQueue("jobs"));
  auto demand = [&](const std::string& password) {
    return "    source: rabbitmq\n    targetPerContainer: 10\n    intervalSeconds: 0.5\n"
           "    timeoutSeconds: 1\n    rabbitmq: {url: \"" +
           rabbit.url() + "\", vhost: /, queue: jobs, username: guest, password: " + password +
           "}\n";
  };
  std::string app = Apply("rabbit", 6, demand("guest"));
  std::string locked_out = Apply("rabbit-denied", 6, demand("wrong"));
  WaitRunning(app, 0);
  ASSERT_TRUE(rabbit.Publish("jobs", 25));
  WaitRunning(app, 3);  // ceil(25 / 10)
  EXPECT_EQ(c().Status(app, "demand"), 25);
  ASSERT_TRUE(rabbit.Consume("jobs", 20));
  WaitRunning(app, 1);  // 5 left
  c().WaitFor([&] { return DemandAvailable(locked_out, "False"); },
              locked_out + " DemandAvailable=False");
  nlohmann::json denied = Condition(locked_out, "DemandAvailable");
  EXPECT_NE(denied["message"].get<std::string>().find("refused user \"guest\""), std::string::npos)
      << denied;

  const std::set<std::string> before = RunningIds(app);
  rabbit.Stop();
  c().WaitFor([&] { return DemandAvailable(app, "False"); }, app + " DemandAvailable=False");
  nlohmann::json condition = Condition(app, "DemandAvailable");
  EXPECT_NE(condition["message"].get<std::string>().find("rabbitmq"), std::string::npos)
      << condition;
  EXPECT_EQ(RunningIds(app), before);

  ASSERT_TRUE(rabbit.StartAndWait()) << rabbit.log();  // the durable queue and its 5 messages
  c().WaitFor([&] { return DemandAvailable(app, "True"); }, app + " DemandAvailable=True",
              absl::Seconds(60));
  ASSERT_TRUE(rabbit.Consume("jobs", 5));
  WaitRunning(app, 0);
}

// A NATS JetStream durable consumer's messages not yet delivered plus those delivered and not
// yet acknowledged, from the server's monitoring endpoint. A consumer that does not exist is
// named in the condition; the server stopping holds the count, its return resumes.
TEST_F(SourcesE2eTest, NatsAppFollowsTheJetStreamConsumer) {
  ASSERT_FALSE(FindProgram("nats-server").empty()) << "install the Debian package nats-server";
  NatsServer nats;
  ASSERT_TRUE(nats.StartAndWait()) << nats.log();
  {
    NatsClient client(nats.port());
    ASSERT_TRUE(client.ok()) << nats.log();
    nlohmann::json stream =
        client.Api("STREAM.CREATE.ORDERS",
                   {{"name", "ORDERS"}, {"subjects", {"orders.>"}}, {"storage", "file"}});
    ASSERT_TRUE(stream.contains("config")) << stream;
    nlohmann::json consumer =
        client.Api("CONSUMER.DURABLE.CREATE.ORDERS.workers",
                   {{"stream_name", "ORDERS"},
                    {"config",
                     {{"durable_name", "workers"},
                      {"ack_policy", "explicit"},
                      {"ack_wait", 4'000'000'000}}}});  // ns: unacknowledged go again after 4 s
    ASSERT_TRUE(consumer.contains("config")) << consumer;
  }
  auto demand = [&](const std::string& consumer) {
    return "    source: nats\n    targetPerContainer: 10\n    intervalSeconds: 0.5\n"
           "    timeoutSeconds: 1\n    nats: {monitorUrl: \"" +
           nats.monitor_url() + "\", stream: ORDERS, consumer: " + consumer + "}\n";
  };
  std::string app = Apply("nats", 6, demand("workers"));
  std::string nobody = Apply("nats-nobody", 6, demand("nobody"));
  WaitRunning(app, 0);

  NatsClient client(nats.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.PublishToStream("orders.new", 40));
  WaitRunning(app, 4);  // 40 pending: ceil(40 / 10)
  EXPECT_EQ(c().Status(app, "demand"), 40);
  // Delivered and not acknowledged is still work.
  std::vector<std::string> acks = client.Fetch("ORDERS", "workers", 40);
  ASSERT_EQ(acks.size(), 40u);
  c().WaitFor([&] { return c().Status(app, "demand") == 40; }, app + " demand 40 after fetch");
  EXPECT_EQ(c().Status(app, "running"), 4);
  for (int i = 0; i < 35; ++i) ASSERT_TRUE(client.Ack(acks[i]));
  WaitRunning(app, 1);  // 5 still to acknowledge
  c().WaitFor([&] { return DemandAvailable(nobody, "False"); }, nobody + " DemandAvailable=False");
  nlohmann::json missing = Condition(nobody, "DemandAvailable");
  EXPECT_NE(missing["message"].get<std::string>().find(
                "consumer \"nobody\" of stream \"ORDERS\" not found (consumers: workers)"),
            std::string::npos)
      << missing;

  const std::set<std::string> before = RunningIds(app);
  nats.Stop();
  c().WaitFor([&] { return DemandAvailable(app, "False"); }, app + " DemandAvailable=False");
  nlohmann::json condition = Condition(app, "DemandAvailable");
  EXPECT_NE(condition["message"].get<std::string>().find("nats: "), std::string::npos) << condition;
  EXPECT_EQ(RunningIds(app), before);

  ASSERT_TRUE(nats.StartAndWait()) << nats.log();  // the stream and consumer from its store
  c().WaitFor([&] { return DemandAvailable(app, "True"); }, app + " DemandAvailable=True",
              absl::Seconds(60));
  NatsClient again(nats.port());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(c().Status(app, "demand"), 5);
  // The 5 unacknowledged are delivered again once their ack wait ends; fetch and ack them.
  std::vector<std::string> rest = again.Fetch("ORDERS", "workers", 5);
  ASSERT_EQ(rest.size(), 5u);
  for (const std::string& ack : rest) ASSERT_TRUE(again.Ack(ack));
  WaitRunning(app, 0);
}

// A KEDA external scaler (a gRPC server of the ExternalScaler service in this process): the
// app follows the sum of its metrics, goes to 0 while it is not active, holds while the
// scaler is down and resumes when it is back.
TEST_F(SourcesE2eTest, ExternalScalerAppFollowsItsMetrics) {
  auto scaler = std::make_unique<TestExternalScaler>();
  ASSERT_TRUE(scaler->serving());
  const int port = scaler->port();
  scaler->SetMetrics({{"pending", 0}});
  std::string app = Apply("keda", 6,
                          "    source: external\n    targetPerContainer: 10\n"
                          "    intervalSeconds: 0.5\n    timeoutSeconds: 1\n"
                          "    external: {address: \"" +
                              scaler->address() + "\", metadata: {queue: orders}}\n");
  WaitRunning(app, 0);
  scaler->SetMetrics({{"pending", 25}});
  WaitRunning(app, 3);
  EXPECT_EQ(scaler->last_ref().scalermetadata().at("queue"), "orders");
  scaler->SetActive(false);
  WaitRunning(app, 0);
  scaler->SetActive(true);
  WaitRunning(app, 3);

  const std::set<std::string> before = RunningIds(app);
  scaler->Stop();
  c().WaitFor([&] { return DemandAvailable(app, "False"); }, app + " DemandAvailable=False");
  nlohmann::json condition = Condition(app, "DemandAvailable");
  EXPECT_NE(condition["message"].get<std::string>().find("external: the scaler at"),
            std::string::npos)
      << condition;
  EXPECT_EQ(RunningIds(app), before);

  scaler = std::make_unique<TestExternalScaler>(port);
  ASSERT_TRUE(scaler->serving());
  scaler->SetMetrics({{"pending", 12}});
  c().WaitFor([&] { return DemandAvailable(app, "True"); }, app + " DemandAvailable=True");
  WaitRunning(app, 2);
}

TEST_F(SourcesE2eTest, HttpJsonAppFollowsTheServedValue) {
  std::atomic<int> depth{0};
  HttpEndpoint stats("/stats", "application/json", [&] {
    return R"({"queue":{"depth":)" + std::to_string(depth.load()) + R"(,"name":"orders"}})";
  });
  std::string app = Apply("stats", 6,
                          "    source: http-json\n    targetPerContainer: 10\n"
                          "    intervalSeconds: 0.5\n    httpJson: {url: \"" +
                              stats.origin() + "/stats\", pointer: /queue/depth}\n");
  WaitRunning(app, 0);
  depth = 25;
  WaitRunning(app, 3);
  depth = 41;
  WaitRunning(app, 5);
  depth = 7;
  WaitRunning(app, 1);
  EXPECT_TRUE(DemandAvailable(app, "True"));
}

TEST_F(SourcesE2eTest, PrometheusAppFollowsAQueryOverAScrapedExporter) {
  ASSERT_FALSE(FindProgram("prometheus").empty()) << "install the Debian package prometheus";
  std::atomic<int> depth{2};
  HttpEndpoint exporter("/metrics", "text/plain; version=0.0.4", [&] {
    return "# TYPE demo_queue_depth gauge\ndemo_queue_depth{queue=\"orders\"} " +
           std::to_string(depth.load()) + "\n";
  });
  PrometheusServer prometheus("demo", {"127.0.0.1:" + std::to_string(exporter.port())});
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  std::string app = Apply("promq", 6,
                          "    source: prometheus\n    intervalSeconds: 0.5\n"
                          "    prometheus: {url: \"" +
                              prometheus.url() + "\", query: \"sum(demo_queue_depth)\"}\n");
  // The first scrape and the first read come a few seconds after start.
  WaitRunning(app, 2, 90);
  depth = 5;
  WaitRunning(app, 5, 90);
  depth = 1;
  WaitRunning(app, 1, 90);
}

TEST_F(SourcesE2eTest, StoppedSourceHoldsTheCountFallsBackAndRecovers) {
  ASSERT_FALSE(FindProgram("redis-server").empty()) << "install the Debian package redis-server";
  RedisServer redis;
  ASSERT_TRUE(redis.StartAndWait()) << redis.log();
  ASSERT_EQ(redis.Cli({"RPUSH", "jobs", "a", "b"}), "2");
  std::string hold = Apply("hold", 6, RedisDemand(redis.address()));
  std::string fallback =
      Apply("fallback", 6,
            RedisDemand(redis.address(), "    fallback: {afterFailures: 2, replicas: 4}\n"));
  WaitRunning(hold, 2);
  WaitRunning(fallback, 2);
  EXPECT_TRUE(DemandAvailable(hold, "True"));
  const std::set<std::string> before = RunningIds(hold);
  ASSERT_EQ(before.size(), 2u);

  redis.Stop();
  c().WaitFor([&] { return DemandAvailable(hold, "False"); }, hold + " DemandAvailable=False");
  WaitRunning(fallback, 4);

  // No container of the app without a fallback was stopped or replaced.
  EXPECT_EQ(RunningIds(hold), before);
  EXPECT_EQ(c().Status(hold, "running"), 2);
  EXPECT_EQ(c().Status(hold, "desired"), 2);
  nlohmann::json condition = Condition(hold, "DemandAvailable");
  EXPECT_EQ(condition["reason"], "ReadFailed") << condition;
  EXPECT_NE(condition["message"].get<std::string>().find("redis-list"), std::string::npos)
      << condition;
  EXPECT_TRUE(DemandAvailable(fallback, "False"));
  CommandResult describe = c().Cli({"describe", "app", hold});
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("DemandAvailable"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("ReadFailed"), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("redis-list"), std::string::npos) << describe.out;

  // The server returns with its saved list of two: both apps read it again.
  ASSERT_TRUE(redis.StartAndWait()) << redis.log();
  c().WaitFor([&] { return DemandAvailable(hold, "True"); }, hold + " DemandAvailable=True");
  WaitRunning(fallback, 2);
  EXPECT_TRUE(DemandAvailable(fallback, "True"));
  EXPECT_EQ(RunningIds(hold), before);
  ASSERT_EQ(redis.Cli({"RPUSH", "jobs", "c"}), "3");
  WaitRunning(hold, 3);
  WaitRunning(fallback, 3);
}

TEST_F(SourcesE2eTest, BadSourceSettingsAreRefusedAtApplyWithTheFieldPath) {
  struct Case {
    std::string demand;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"    source: prometheus\n    prometheus: {url: \"127.0.0.1:9090\", query: up}\n",
       "spec.demand.prometheus.url"},
      {"    source: prometheus\n    prometheus: {url: \"http://127.0.0.1:9090\"}\n",
       "spec.demand.prometheus.query"},
      {"    source: redis-list\n    redisList: {address: \"127.0.0.1:6379\"}\n",
       "spec.demand.redisList.key"},
      {"    source: redis-list\n    redisList: {address: \"127.0.0.1:99999\", key: jobs}\n",
       "spec.demand.redisList.address"},
      {"    source: http-json\n    httpJson: {url: \"http://127.0.0.1/s\", pointer: "
       "queue/depth}\n",
       "spec.demand.httpJson.pointer"},
      {"    source: http-json\n    httpJson: {url: \"ftp://127.0.0.1/s\", pointer: /n}\n",
       "spec.demand.httpJson.url"},
      {"    source: rabbitmq\n    rabbitmq: {url: \"http://127.0.0.1:15672\"}\n",
       "spec.demand.rabbitmq.queue"},
      {"    source: rabbitmq\n    rabbitmq: {url: \"http://\", queue: jobs}\n",
       "spec.demand.rabbitmq.url"},
      {"    source: rabbitmq\n    rabbitmq: {url: \"http://127.0.0.1:15672\", queue: jobs, "
       "exchange: x}\n",
       "spec.demand.rabbitmq.exchange"},
      {"    source: nats\n    nats: {monitorUrl: \"http://127.0.0.1:8222\", stream: ORDERS}\n",
       "spec.demand.nats.consumer"},
      {"    source: redis-stream\n    redisStream: {address: \"127.0.0.1:6379\", key: orders}\n",
       "spec.demand.redisStream.group"},
      {"    source: redis-list\n    fallback: {afterFailures: 0, replicas: 1}\n"
       "    redisList: {address: \"127.0.0.1:6379\", key: jobs}\n",
       "spec.demand.fallback.afterFailures"},
  };
  const std::string name = c().App("badsrc");
  for (const Case& tc : cases) {
    CommandResult r = c().Cli({"apply", "-f", "-"}, SourceApp(name, 2, tc.demand));
    EXPECT_EQ(r.exit_code, 1) << tc.demand;
    EXPECT_NE(r.err.find(tc.field), std::string::npos)
        << "want " << tc.field << ", stderr: " << r.err;
  }
  CommandResult get = c().Cli({"get", "apps", name});
  EXPECT_EQ(get.exit_code, 1) << "a refused app must not exist: " << get.out;
}

}  // namespace
}  // namespace microscale::testing
