// Garbage, half-open, slow and oversized connections against the real daemons.
//
// Starts microscale-controller and a microscale-agent (simulated runtime) on free loopback
// ports. Then, against the controller's gRPC port and the HTTP ports of both daemons, it
// holds open ~50 connections that sent random bytes and ~50 half-open ones (silent, half
// an HTTP/2 preface, or an HTTP header that never ends), plus oversized HTTP requests (a
// huge header, a huge body). While they are held, and after they are gone, the controller
// must still answer GetNodes with the agent Ready, and both daemons /metrics and /healthz;
// every half-open connection must in time be closed by the server (none is held forever),
// and both processes must still be alive at the end.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/http/testing/raw_connection.h"
#include "gtest/gtest.h"
#include "microscale/v1/control_plane.grpc.pb.h"
#include "tests/e2e/child_process.h"
#include "tests/integration/agent/agent_process.h"

namespace microscale::testing {
namespace {

constexpr absl::Duration kGenerous = absl::Seconds(30);
constexpr char kNode[] = "hostile-node";

// True while the child `pid` has not exited (reaps it if it has).
// The process's thread count (/proc/PID/status), -1 if unreadable.
int Threads(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return -1;
}

bool Alive(pid_t pid) {
  int status = 0;
  return pid > 0 && waitpid(pid, &status, WNOHANG) == 0;
}

// Polls `check` until it returns "" (success) or the deadline; returns the last failure.
template <typename Check>
std::string Within(absl::Duration timeout, Check check) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string failure = check();
  while (!failure.empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    failure = check();
  }
  return failure;
}

std::string HttpGet(int port, const std::string& path, const std::string& must_contain) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  httplib::Result result = client.Get(path);
  if (!result) return absl::StrCat("GET :", port, path, ": ", httplib::to_string(result.error()));
  if (result->status != 200) return absl::StrCat("GET :", port, path, ": HTTP ", result->status);
  if (result->body.find(must_contain) == std::string::npos) {
    return absl::StrCat("GET :", port, path, ": no \"", must_contain, "\" in the body");
  }
  return "";
}

class HostileConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc_port_ = FreePort();
    controller_http_ = FreePort();
    agent_http_ = FreePort();
    char dir_template[] = "/tmp/microscale-hostile-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    controller_ = std::make_unique<AgentProcess>(
        MICROSCALE_CONTROLLER_BINARY,
        std::vector<std::string>{"--grpc-addr", absl::StrCat("127.0.0.1:", grpc_port_),
                                 "--http-addr", absl::StrCat("127.0.0.1:", controller_http_),
                                 "--data-dir", dir_ + "/data", "--cluster-name", "hostile"},
        dir_ + "/controller.log");
    ASSERT_TRUE(controller_->Start().ok());
    agent_ = std::make_unique<AgentProcess>(
        MICROSCALE_AGENT_BINARY,
        std::vector<std::string>{"--controller", absl::StrCat("127.0.0.1:", grpc_port_),
                                 "--http-addr", absl::StrCat("127.0.0.1:", agent_http_),
                                 "--runtime", "sim", "--node-name", kNode, "--cluster-name",
                                 "hostile", "--cpu", "2", "--memory", "1Gi"},
        dir_ + "/agent.log");
    ASSERT_TRUE(agent_->Start().ok());
    stub_ = v1::ControlPlane::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                                          grpc::InsecureChannelCredentials()));
    ASSERT_EQ(Within(kGenerous, [this] { return ControllerAndAgentServe(); }), "") << Logs();
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << Logs();
    agent_.reset();
    controller_.reset();
    std::string rm = absl::StrCat("rm -rf '", dir_, "'");
    EXPECT_EQ(std::system(rm.c_str()), 0);
  }

  std::string Logs() const {
    return absl::StrCat("---- controller log ----\n", controller_ ? controller_->Log() : "",
                        "\n---- agent log ----\n", agent_ ? agent_->Log() : "", "\n");
  }

  // "" when the controller lists the agent Ready over gRPC and both daemons serve
  // /metrics and /healthz; else what failed.
  std::string ControllerAndAgentServe() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::GetNodesResponse nodes;
    grpc::Status status = stub_->GetNodes(&context, v1::GetNodesRequest(), &nodes);
    if (!status.ok()) return absl::StrCat("GetNodes: ", status.error_message());
    if (nodes.nodes_size() != 1 || nodes.nodes(0).name() != kNode ||
        nodes.nodes(0).state() != "Ready") {
      return absl::StrCat("GetNodes: ", nodes.ShortDebugString());
    }
    for (const std::string& failure :
         {HttpGet(controller_http_, "/healthz", "ok"),
          HttpGet(controller_http_, "/metrics", "microscale_nodes"),
          HttpGet(agent_http_, "/healthz", "ok"),
          HttpGet(agent_http_, "/metrics", "microscale_agent_controller_connected")}) {
      if (!failure.empty()) return failure;
    }
    return "";
  }

  int grpc_port_ = 0;
  int controller_http_ = 0;
  int agent_http_ = 0;
  std::string dir_;
  std::unique_ptr<AgentProcess> controller_;
  std::unique_ptr<AgentProcess> agent_;
  std::unique_ptr<v1::ControlPlane::Stub> stub_;
};

// Opens `count` connections to `port` that each send 1..4096 random bytes.
void OpenGarbage(int port, int count, std::mt19937& random, std::vector<RawConnection>& held) {
  std::uniform_int_distribution<int> length(1, 4096);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<RawConnection> c = RawConnection::Connect(port);
    ASSERT_TRUE(c.ok()) << c.status();
    std::string garbage(static_cast<size_t>(length(random)), '\0');
    for (char& ch : garbage) ch = static_cast<char>(byte(random));
    c->Send(garbage, absl::Seconds(1));  // the server may close before taking it all
    held.push_back(*std::move(c));
  }
}

// Opens `count` half-open connections: silent, half an HTTP/2 preface, or an HTTP request
// whose header never ends.
void OpenHalfOpen(int port, int count, std::vector<RawConnection>& held) {
  const std::string starts[] = {"", "PRI * HTTP/2.0\r\n",
                                "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"};
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<RawConnection> c = RawConnection::Connect(port);
    ASSERT_TRUE(c.ok()) << c.status();
    c->Send(starts[i % 3]);
    held.push_back(*std::move(c));
  }
}

// A request with a 1 MiB header line plus header lines without end, and one that declares
// and starts sending a 1 GiB body.
void OpenOversized(int port, std::vector<RawConnection>& held) {
  absl::StatusOr<RawConnection> header = RawConnection::Connect(port);
  ASSERT_TRUE(header.ok());
  header->Send(absl::StrCat("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: ",
                            std::string(1 << 20, 'h'), "\r\n"),
               absl::Seconds(2));
  const std::string line = absl::StrCat("X-More: ", std::string(1000, 'm'), "\r\n");
  for (int i = 0; i < 4096 && header->Send(line, absl::Seconds(1)) == line.size(); ++i) {
  }
  held.push_back(*std::move(header));
  absl::StatusOr<RawConnection> body = RawConnection::Connect(port);
  ASSERT_TRUE(body.ok());
  body->Send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n");
  body->Send(std::string(4 << 20, 'b'), absl::Seconds(2));
  held.push_back(*std::move(body));
}

TEST_F(HostileConnectionsTest, GarbageHalfOpenAndOversizedClientsDoNotHurtTheDaemons) {
  std::mt19937 random(20261130);
  const int controller_threads = Threads(controller_->pid());
  const int agent_threads = Threads(agent_->pid());
  std::vector<RawConnection> held;
  std::vector<RawConnection> half_open;
  for (int port : {grpc_port_, controller_http_, agent_http_}) {
    OpenGarbage(port, 50, random, held);
    OpenHalfOpen(port, 50, half_open);
  }
  OpenOversized(controller_http_, held);
  OpenOversized(agent_http_, held);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GE(held.size() + half_open.size(), 300u);

  EXPECT_EQ(Within(kGenerous, [this] { return ControllerAndAgentServe(); }), "")
      << "while " << held.size() + half_open.size() << " hostile connections are open";

  // The servers do not hold a silent client forever: the HTTP read timeout and the gRPC
  // handshake timeout close every half-open connection.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  int still_open = 0;
  for (RawConnection& c : half_open) still_open += c.ClosedByPeer(deadline) ? 0 : 1;
  EXPECT_EQ(still_open, 0) << "half-open connections the servers never closed";

  held.clear();
  half_open.clear();
  EXPECT_TRUE(Alive(controller_->pid())) << "the controller died";
  EXPECT_TRUE(Alive(agent_->pid())) << "the agent died";
  EXPECT_EQ(Within(kGenerous, [this] { return ControllerAndAgentServe(); }), "")
      << "after the hostile connections closed";

  // The threads the flood needed end once idle (30 s): none is kept for good.
  auto back = [](pid_t pid, int before) {
    return [pid, before] {
      int now = Threads(pid);
      return now <= before + 4 ? std::string()
                               : absl::StrCat(now, " threads, ", before, " before the flood");
    };
  };
  EXPECT_EQ(Within(absl::Seconds(120), back(controller_->pid(), controller_threads)), "")
      << "controller";
  EXPECT_EQ(Within(absl::Seconds(120), back(agent_->pid(), agent_threads)), "") << "agent";
}

}  // namespace
}  // namespace microscale::testing
