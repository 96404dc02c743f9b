// Real servers for the end-to-end tests of demand sources and metrics scraping, started on
// loopback by the test itself: redis-server, RabbitMQ, nats-server and Prometheus (Debian
// packages) as child processes in a scratch directory, a client of NATS's text protocol to
// drive JetStream, and small HTTP endpoints served from the test process (a JSON stats
// document, a Prometheus exporter).
//
// Every server is stopped and its files removed when its object goes out of scope, so a
// failing test leaves nothing behind. Header-only, so any e2e test can use it without a
// library of its own. Thread-compatible: one test thread drives each object; the HTTP
// endpoints answer on their own thread and read their value through the given function.
#ifndef MICROSCALE_TESTS_E2E_REAL_SERVERS_H_
#define MICROSCALE_TESTS_E2E_REAL_SERVERS_H_

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/child_process.h"

namespace microscale::testing {

// The full path of `name` found on PATH, or "" when it is not installed.
inline std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// Whether something accepts TCP connections on 127.0.0.1:`port`.
inline bool LoopbackAnswers(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// Whether GET `path` on 127.0.0.1:`port` answers HTTP 200 (within a second to connect).
inline bool AnswersOk(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1);
  auto r = client.Get(path);
  return r && r->status == 200;
}

// Polls `check` every 100 ms until it holds or `seconds` pass. For waiting on servers only.
inline bool PollUntil(const std::function<bool()>& check, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!check()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// A directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/microscale-servers.XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// redis-server on a free loopback port. Its data is saved on a clean stop and loaded on
// Start(), so a list survives Stop() + Start() on the same port.
class RedisServer {
 public:
  RedisServer() : port_(FreePort()) {}

  void Start() {
    process_ = ChildProcess(FindProgram("redis-server"),
                            {"--bind", "127.0.0.1", "--port", std::to_string(port_), "--save",
                             "3600 1", "--appendonly", "no", "--dir", dir_.path()},
                            dir_.path() + "/redis.log");
  }
  bool StartAndWait() {
    Start();
    return PollUntil([&] { return LoopbackAnswers(port_); }, 30);
  }
  // SIGTERM: redis-server saves its data set and exits.
  void Stop() { process_.Terminate(); }

  // Runs redis-cli against this server; its stdout without the trailing newline.
  std::string Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"-h", "127.0.0.1", "-p", std::to_string(port_)});
    CommandResult r = RunCommand(FindProgram("redis-cli"), args);
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r')) r.out.pop_back();
    return r.exit_code == 0 ? r.out : "error: " + r.err;
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_.Log(); }

 private:
  TempDir dir_;
  int port_;
  ChildProcess process_;
};

// RabbitMQ (Debian's rabbitmq-server) with its management plugin, on free loopback ports
// (AMQP, the management API, Erlang distribution and an epmd of its own), with its
// database, logs and Erlang cookie in a scratch directory. Queue counts are published
// every 500 ms (RabbitMQ's default, 5 s, would slow every test). Its data survives Stop()
// and Start(). The management API's default user guest/guest is used.
class RabbitMqServer {
 public:
  RabbitMqServer() : amqp_(FreePort()), http_(FreePort()), dist_(FreePort()), epmd_(FreePort()) {
    std::ofstream(dir_.path() + "/rabbitmq.conf")
        << "listeners.tcp.1 = 127.0.0.1:" << amqp_ << "\nmanagement.tcp.ip = 127.0.0.1\n"
        << "management.tcp.port = " << http_ << "\ncollect_statistics_interval = 500\n";
    std::ofstream(dir_.path() + "/enabled_plugins") << "[rabbitmq_management].\n";
  }
  ~RabbitMqServer() {
    Stop();
    RunCommand(FindProgram("epmd"), {"-port", std::to_string(epmd_), "-kill"});
  }
  RabbitMqServer(const RabbitMqServer&) = delete;
  RabbitMqServer& operator=(const RabbitMqServer&) = delete;

  // Starts the broker (the Erlang VM itself is the child: RUNNING_UNDER_SYSTEMD makes the
  // start script exec it) and waits until the management API answers.
  bool StartAndWait() {
    const std::string& d = dir_.path();
    process_ = ChildProcess(
        "/usr/bin/env",
        {"HOME=" + d, "RABBITMQ_NODENAME=microscale-" + std::to_string(amqp_) + "@localhost",
         "RABBITMQ_CONFIG_FILE=" + d + "/rabbitmq.conf",
         "RABBITMQ_ENABLED_PLUGINS_FILE=" + d + "/enabled_plugins",
         "RABBITMQ_MNESIA_BASE=" + d + "/mnesia", "RABBITMQ_LOG_BASE=" + d + "/log",
         "RABBITMQ_DIST_PORT=" + std::to_string(dist_), "ERL_EPMD_ADDRESS=127.0.0.1",
         "ERL_EPMD_PORT=" + std::to_string(epmd_), "RUNNING_UNDER_SYSTEMD=true",
         "/usr/lib/rabbitmq/bin/rabbitmq-server"},
        d + "/rabbitmq.log");
    return PollUntil([&] { return Api("GET", "/api/overview", "") == 200; }, 120);
  }
  void Stop() { process_.Terminate(20000); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(http_); }
  std::string log() const { return process_.Log(); }

  // A durable queue in vhost "/"; whether it was made.
  bool DeclareQueue(const std::string& queue) {
    int status = Api("PUT", "/api/queues/%2F/" + queue, R"({"durable":true})");
    return status == 201 || status == 204;
  }
  // Publishes `count` persistent messages to `queue` through the default exchange.
  bool Publish(const std::string& queue, int count) {
    const std::string body = R"({"properties":{"delivery_mode":2},"routing_key":")" + queue +
                             R"(","payload":"job","payload_encoding":"string"})";
    for (int i = 0; i < count; ++i) {
      if (Api("POST", "/api/exchanges/%2F/amq.default/publish", body) != 200) return false;
    }
    return true;
  }
  // Takes `count` messages off `queue` (acknowledged at once); whether that many came.
  bool Consume(const std::string& queue, int count) {
    std::string answer;
    int status = Api("POST", "/api/queues/%2F/" + queue + "/get",
                     R"({"count":)" + std::to_string(count) +
                         R"(,"ackmode":"ack_requeue_false","encoding":"auto"})",
                     &answer);
    nlohmann::json got = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
    return status == 200 && got.is_array() && static_cast<int>(got.size()) == count;
  }

 private:
  // One request to the management API as guest; its HTTP status, or 0 with no answer.
  int Api(const std::string& method, const std::string& path, const std::string& body,
          std::string* answer = nullptr) {
    httplib::Client client("127.0.0.1", http_);
    client.set_connection_timeout(2);
    client.set_read_timeout(10);
    client.set_basic_auth("guest", "guest");
    httplib::Result r = method == "GET"   ? client.Get(path)
                        : method == "PUT" ? client.Put(path, body, "application/json")
                                          : client.Post(path, body, "application/json");
    if (!r) return 0;
    if (answer != nullptr) *answer = r->body;
    return r->status;
  }

  TempDir dir_;
  int amqp_;
  int http_;
  int dist_;
  int epmd_;
  ChildProcess process_;
};

// nats-server with JetStream on free loopback ports (clients and monitoring), its streams
// stored in a scratch directory, so they survive Stop() and Start().
class NatsServer {
 public:
  NatsServer() : port_(FreePort()), monitor_(FreePort()) {}
  ~NatsServer() { Stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts the server and waits until its monitoring endpoint says it is healthy (JetStream
  // included).
  bool StartAndWait() {
    process_ = ChildProcess(FindProgram("nats-server"),
                            {"-js", "-a", "127.0.0.1", "-p", std::to_string(port_), "-m",
                             std::to_string(monitor_), "-sd", dir_.path()},
                            dir_.path() + "/nats.log");
    return PollUntil([&] { return AnswersOk(monitor_, "/healthz"); }, 60);
  }
  void Stop() { process_.Terminate(10000); }

  int port() const { return port_; }
  std::string monitor_url() const { return "http://127.0.0.1:" + std::to_string(monitor_); }
  std::string log() const { return process_.Log(); }

 private:
  TempDir dir_;
  int port_;
  int monitor_;
  ChildProcess process_;
};

// A client of NATS's text protocol (INFO, CONNECT, PUB, SUB, MSG, HMSG, PING/PONG), enough to
// make a JetStream stream and a durable consumer, publish, fetch and acknowledge through the
// JetStream API subjects. Every call waits at most 10 s for the server.
class NatsClient {
 public:
  explicit NatsClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
          Line().rfind("INFO ", 0) == 0 &&
          Send(
              "CONNECT {\"verbose\":false,\"headers\":true,\"no_responders\":true}\r\n"
              "SUB _INBOX.test.> 1\r\nPING\r\n") &&
          Line() == "PONG";
  }
  ~NatsClient() { close(fd_); }
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  bool ok() const { return ok_; }

  // Publishes `payload` to `subject` and returns the payload of the first answer; "" when
  // none came.
  std::string Request(const std::string& subject, const std::string& payload) {
    std::string inbox = "_INBOX.test." + std::to_string(++requests_);
    if (!Send("PUB " + subject + " " + inbox + " " + std::to_string(payload.size()) + "\r\n" +
              payload + "\r\n")) {
      return "";
    }
    Message m;
    while (Next(m)) {
      if (m.subject == inbox) return m.payload;
    }
    return "";
  }
  // A JetStream API call: its JSON answer, null when there was none.
  nlohmann::json Api(const std::string& subject, const nlohmann::json& request) {
    return nlohmann::json::parse(Request("$JS.API." + subject, request.dump()), nullptr, false);
  }
  // Publishes `count` messages to `subject`; whether the stream acknowledged each.
  bool PublishToStream(const std::string& subject, int count) {
    for (int i = 0; i < count; ++i) {
      nlohmann::json ack = nlohmann::json::parse(Request(subject, "job"), nullptr, false);
      if (!ack.is_object() || !ack.contains("seq")) return false;
    }
    return true;
  }
  // Fetches `count` messages for durable `consumer` of `stream` without acknowledging them,
  // waiting up to 10 s for them; their acknowledgement subjects (fewer when fewer came).
  std::vector<std::string> Fetch(const std::string& stream, const std::string& consumer,
                                 int count) {
    std::string inbox = "_INBOX.test." + std::to_string(++requests_);
    std::string request =
        "{\"batch\":" + std::to_string(count) + ",\"expires\":10000000000}";  // ns
    std::vector<std::string> acks;
    if (!Send("PUB $JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer + " " + inbox + " " +
              std::to_string(request.size()) + "\r\n" + request + "\r\n")) {
      return acks;
    }
    Message m;
    // A message keeps its own subject (it reaches the inbox's subscription); its reply
    // subject is where its acknowledgement goes. A status (timeout) comes on the inbox.
    while (static_cast<int>(acks.size()) < count && Next(m)) {
      if (m.reply.rfind("$JS.ACK.", 0) == 0) {
        acks.push_back(m.reply);
      } else if (m.subject == inbox) {
        break;
      }
    }
    return acks;
  }
  // Acknowledges a fetched message and waits for the server to confirm it.
  bool Ack(const std::string& ack_subject) {
    return Send("PUB " + ack_subject + " 0\r\n\r\nPING\r\n") && WaitPong();
  }

 private:
  struct Message {
    std::string subject;
    std::string reply;
    std::string payload;
  };

  bool Send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until `buffer_` holds `n` bytes; false on a closed socket or the timeout.
  bool Fill(size_t n) {
    char chunk[4096];
    while (buffer_.size() < n) {
      ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(got));
    }
    return true;
  }
  // One protocol line without its CRLF; "" on failure.
  std::string Line() {
    size_t end;
    while ((end = buffer_.find("\r\n")) == std::string::npos) {
      if (!Fill(buffer_.size() + 1)) return "";
    }
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    return line;
  }
  // The next MSG or HMSG (a header-only HMSG is a JetStream status); answers PINGs on the way.
  bool Next(Message& m) {
    for (;;) {
      std::string line = Line();
      if (line.empty()) return false;
      if (line == "PING") {
        if (!Send("PONG\r\n")) return false;
        continue;
      }
      if (line.rfind("MSG ", 0) != 0 && line.rfind("HMSG ", 0) != 0) {
        if (line.rfind("-ERR", 0) == 0) return false;
        continue;  // PONG, +OK, INFO
      }
      std::vector<std::string> parts;
      for (size_t start = 0; start < line.size();) {
        size_t end = line.find(' ', start);
        if (end == std::string::npos) end = line.size();
        parts.push_back(line.substr(start, end - start));
        start = end + 1;
      }
      const bool headers = parts[0] == "HMSG";
      // MSG subject sid [reply] size; HMSG subject sid [reply] header_size total_size.
      const size_t fixed = headers ? 5 : 4;
      if (parts.size() < fixed || parts.size() > fixed + 1) return false;
      const size_t total = std::stoul(parts.back());
      const size_t header_size = headers ? std::stoul(parts[parts.size() - 2]) : 0;
      if (!Fill(total + 2)) return false;
      m.subject = parts[1];
      m.reply = parts.size() == fixed + 1 ? parts[3] : "";
      m.payload = buffer_.substr(header_size, total - header_size);
      buffer_.erase(0, total + 2);
      return true;
    }
  }
  bool WaitPong() {
    for (;;) {
      std::string line = Line();
      if (line.empty() || line.rfind("-ERR", 0) == 0) return false;
      if (line == "PONG") return true;
      if (line == "PING" && !Send("PONG\r\n")) return false;
    }
  }

  int fd_ = -1;
  bool ok_ = false;
  int requests_ = 0;
  std::string buffer_;
};

// An HTTP server on 127.0.0.1 answering GET `path` with `body()`; 404 for anything else.
class HttpEndpoint {
 public:
  HttpEndpoint(const std::string& path, const std::string& content_type,
               std::function<std::string()> body)
      : body_(std::move(body)) {
    server_.Get(path, [this, content_type](const httplib::Request&, httplib::Response& response) {
      response.set_content(body_(), content_type);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() only works once the listen loop runs.
    PollUntil([&] { return server_.is_running(); }, 10);
  }
  ~HttpEndpoint() {
    server_.stop();
    thread_.join();
  }
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::function<std::string()> body_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Prometheus (Debian's `prometheus`) scraping /metrics every second, with its config and
// TSDB in a scratch directory.
class PrometheusServer {
 public:
  // One scrape job, as YAML under `scrape_configs:`.
  struct ScrapeJob {
    std::string yaml;
  };
  // Job `job` scraping `targets` ("127.0.0.1:port").
  static ScrapeJob StaticTargets(const std::string& job, const std::vector<std::string>& targets) {
    std::string yaml = "  - job_name: " + job + "\n    static_configs:\n      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i) yaml += (i ? ", '" : "'") + targets[i] + "'";
    return {yaml + "]\n"};
  }
  // Job `job` whose targets come from `sd_url` (http_sd_configs, read every second).
  static ScrapeJob HttpSd(const std::string& job, const std::string& sd_url) {
    return {"  - job_name: " + job + "\n    http_sd_configs:\n      - url: '" + sd_url +
            "'\n        refresh_interval: 1s\n"};
  }

  PrometheusServer(const std::string& job, const std::vector<std::string>& targets)
      : PrometheusServer(StaticTargets(job, targets)) {}

  explicit PrometheusServer(const ScrapeJob& job) : port_(FreePort()) {
    std::string config = dir_.path() + "/prometheus.yml";
    std::ofstream out(config);
    out << "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
        << "scrape_configs:\n"
        << job.yaml;
    out.close();
    process_ =
        ChildProcess(FindProgram("prometheus"),
                     {"--config.file=" + config, "--storage.tsdb.path=" + dir_.path() + "/data",
                      "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
                     dir_.path() + "/prometheus.log");
  }
  ~PrometheusServer() { process_.Terminate(5000); }
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  bool WaitReady() {
    return PollUntil([&] { return AnswersOk(port_, "/-/ready"); }, 60);
  }

  // The `data.result` array of an instant query through /api/v1/query; null when the query
  // failed or Prometheus is not answering.
  nlohmann::json Query(const std::string& promql) {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    auto r = client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return nullptr;
    nlohmann::json body = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || body["status"] != "success") return nullptr;
    return body["data"]["result"];
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_.Log(); }

 private:
  TempDir dir_;
  int port_;
  ChildProcess process_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_REAL_SERVERS_H_
