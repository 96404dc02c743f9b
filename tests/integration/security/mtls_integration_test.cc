// The real microscale-controller and microscale-agent binaries (simulated runtime) with
// mutual TLS: agents with a certificate of the controller's CA join; an agent with a
// certificate of another CA, a plaintext agent and a client without a certificate are
// refused. Also: a plaintext gRPC port on a non-loopback address needs --insecure.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/tls/tls_credentials.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/child_process.h"

#ifndef MICROSCALE_SOURCE_DIR
#error "MICROSCALE_SOURCE_DIR must name the source tree"
#endif
namespace microscale::testing {
namespace {

class MtlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/microscale-mtls.XXXXXX";
    dir_ = mkdtemp(templ);
    for (const char* ca : {"good", "other"}) {
      std::string command = absl::StrCat(MICROSCALE_SOURCE_DIR, "/scripts/make-test-ca ", dir_, "/",
                                         ca, " node-1 node-2 2>/dev/null");
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
    grpc_port_ = FreePort();
    http_port_ = FreePort();
    agents_.reserve(8);  // StartAgent hands out references into the vector
  }
  void TearDown() override {
    for (ChildProcess& p : agents_) p.Kill();
    controller_.Kill();
    if (HasFailure()) {
      std::cerr << "---- controller log ----\n" << controller_.Log();
      for (ChildProcess& p : agents_) std::cerr << "---- " << p.log_path() << " ----\n" << p.Log();
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string File(const std::string& ca, const std::string& name) const {
    return absl::StrCat(dir_, "/", ca, "/", name);
  }
  std::vector<std::string> TlsFlags(const std::string& ca, const std::string& who) const {
    return {"--tls-cert", File(ca, who + ".crt"), "--tls-key", File(ca, who + ".key"),
            "--tls-ca",   File(ca, "ca.crt")};
  }

  void StartController(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--grpc-addr",     absl::StrCat("127.0.0.1:", grpc_port_),
                                     "--http-addr",     absl::StrCat("127.0.0.1:", http_port_),
                                     "--data-dir",      dir_ + "/data",
                                     "--cluster-name",  "mtls",
                                     "--startup-grace", "0s"};
    args.insert(args.end(), extra.begin(), extra.end());
    controller_ = ChildProcess(BuiltProgram("controller/microscale-controller"), args,
                               dir_ + "/controller.log");
  }

  ChildProcess& StartAgent(const std::string& node, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "--runtime",      "sim",         "--node-name",  node,
        "--cluster-name", "mtls",        "--controller", absl::StrCat("127.0.0.1:", grpc_port_),
        "--http-addr",    "127.0.0.1:0", "--cpu",        "1",
        "--memory",       "1Gi"};
    args.insert(args.end(), extra.begin(), extra.end());
    agents_.emplace_back(BuiltProgram("node-agent/agent/microscale-agent"), args,
                         absl::StrCat(dir_, "/agent-", agents_.size(), ".log"));
    return agents_.back();
  }

  // The controller's nodes from its dashboard API: "nodes" and a line "node NAME  STATE"
  // each, or "" if unreachable.
  std::string StatusPage() const {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    httplib::Result result = client.Get("/api/v1/nodes");
    if (!result || result->status != 200) return "";
    nlohmann::json list = nlohmann::json::parse(result->body, nullptr, false);
    if (!list.is_object() || !list["items"].is_array()) return "";
    std::string text = "nodes\n";
    for (const nlohmann::json& node : list["items"]) {
      absl::StrAppend(&text, "node ", node["metadata"]["name"].get<std::string>(), "  ",
                      node["status"]["state"].get<std::string>(), "\n");
    }
    return text;
  }

  bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(200));
    }
    return condition();
  }

  static int Count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  std::string dir_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  ChildProcess controller_;
  std::vector<ChildProcess> agents_;
};

TEST_F(MtlsTest, AgentsOfTheControllersCaJoinAndOthersAreRefused) {
  StartController(TlsFlags("good", "controller"));
  StartAgent("node-1", TlsFlags("good", "node-1"));
  ChildProcess& foreign = StartAgent("node-2", TlsFlags("other", "node-2"));
  std::vector<std::string> trusting_but_foreign = TlsFlags("other", "node-2");
  trusting_but_foreign.back() = File("good", "ca.crt");  // trusts us, but its cert is not ours
  ChildProcess& impostor = StartAgent("node-3", trusting_but_foreign);
  ChildProcess& plaintext = StartAgent("node-4", {});

  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(StatusPage(), "node node-1  Ready"); },
                      absl::Seconds(60)))
      << StatusPage();
  // The refused agents keep redialing; after three failed attempts each, none has joined.
  for (ChildProcess* agent : {&foreign, &impostor, &plaintext}) {
    EXPECT_TRUE(WaitFor([&] { return Count(agent->Log(), "controller stream ended") >= 3; },
                        absl::Seconds(90)))
        << agent->log_path();
  }
  std::string page = StatusPage();
  EXPECT_TRUE(absl::StrContains(page, "node node-1  Ready")) << page;
  for (const char* refused : {"node-2", "node-3", "node-4"}) {
    EXPECT_FALSE(absl::StrContains(page, absl::StrCat("node ", refused))) << page;
  }
  EXPECT_TRUE(controller_.running());
}

// An agent is who its certificate says: node-2 dialing with node-1's certificate (same CA)
// is refused, with the names the certificate holds in the controller's log; with
// --tls-allow-any-node-name it joins.
TEST_F(MtlsTest, AnAgentMustUseACertificateOfItsOwnNodeName) {
  StartController(TlsFlags("good", "controller"));
  StartAgent("node-1", TlsFlags("good", "node-1"));
  ChildProcess& borrowed = StartAgent("node-2", TlsFlags("good", "node-1"));
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(StatusPage(), "node node-1  Ready"); },
                      absl::Seconds(60)))
      << StatusPage();
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(controller_.Log(), "reason=denied") &&
               absl::StrContains(controller_.Log(),
                                 "is not in its client certificate (CN=node-1, DNS:node-1)");
      },
      absl::Seconds(60)))
      << controller_.Log();
  EXPECT_TRUE(WaitFor([&] { return Count(borrowed.Log(), "controller stream ended") >= 2; },
                      absl::Seconds(90)))
      << borrowed.log_path();
  EXPECT_FALSE(absl::StrContains(StatusPage(), "node node-2")) << StatusPage();

  controller_.Kill();
  StartController({"--tls-cert", File("good", "controller.crt"), "--tls-key",
                   File("good", "controller.key"), "--tls-ca", File("good", "ca.crt"),
                   "--tls-allow-any-node-name"});
  EXPECT_TRUE(WaitFor([&] { return absl::StrContains(StatusPage(), "node node-2  Ready"); },
                      absl::Seconds(90)))
      << StatusPage();
}

// The agent reads its TLS files again for each dial: started with files of another CA it
// is refused, and once they are replaced by files of the controller's CA it joins, with
// no restart.
TEST_F(MtlsTest, AnAgentPicksUpRotatedFilesOnItsNextDial) {
  StartController(TlsFlags("good", "controller"));
  const std::string live = dir_ + "/live";
  std::filesystem::create_directories(live);
  auto install = [&](const std::string& ca) {
    for (const std::string name : {"node-1.crt", "node-1.key", "ca.crt"}) {
      const std::string target = absl::StrCat(live, "/", name);
      const std::string beside = absl::StrCat(target, ".new");
      std::filesystem::copy_file(File(ca, name), beside,
                                 std::filesystem::copy_options::overwrite_existing);
      std::filesystem::rename(beside, target);
    }
  };
  install("other");
  ChildProcess& agent = StartAgent("node-1", {"--tls-cert", live + "/node-1.crt", "--tls-key",
                                              live + "/node-1.key", "--tls-ca", live + "/ca.crt"});
  ASSERT_TRUE(WaitFor([&] { return Count(agent.Log(), "controller stream ended") >= 2; },
                      absl::Seconds(90)))
      << agent.log_path();
  EXPECT_FALSE(absl::StrContains(StatusPage(), "node node-1")) << StatusPage();
  install("good");
  EXPECT_TRUE(WaitFor([&] { return absl::StrContains(StatusPage(), "node node-1  Ready"); },
                      absl::Seconds(90)))
      << StatusPage();
  EXPECT_TRUE(agent.running());
}

TEST_F(MtlsTest, AClientWithoutACertificateCannotOpenTheAgentStream) {
  StartController(TlsFlags("good", "controller"));
  ASSERT_TRUE(WaitFor([&] { return !StatusPage().empty(); }, absl::Seconds(60)));
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      MakeChannelCredentials(TlsFiles{"", "", File("good", "ca.crt")});
  ASSERT_TRUE(creds.ok()) << creds.status();
  auto stub = v1::AgentGateway::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_), *creds));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stream = stub->Connect(&context);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_node_name("sneaky");
  hello.mutable_hello()->set_cluster("mtls");
  stream->Write(hello);
  v1::ControllerMessage reply;
  EXPECT_FALSE(stream->Read(&reply));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "client certificate"))
      << status.error_message();
  EXPECT_FALSE(absl::StrContains(StatusPage(), "sneaky"));
}

TEST_F(MtlsTest, BadTlsFilesStopTheDaemonsWithTheFlagNamed) {
  std::vector<std::string> flags = TlsFlags("good", "controller");
  flags[3] = File("good", "agent.key");  // a key of another certificate
  CommandResult controller =
      RunCommand(BuiltProgram("controller/microscale-controller"),
                 {"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data-dir",
                  dir_ + "/bad", flags[0], flags[1], flags[2], flags[3], flags[4], flags[5]});
  EXPECT_EQ(controller.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(
      controller.err + controller.out,
      "--tls-key " + File("good", "agent.key") + ": does not belong to the certificate"))
      << controller.err;

  CommandResult agent = RunCommand(BuiltProgram("node-agent/agent/microscale-agent"),
                                   {"--runtime", "sim", "--tls-cert", File("good", "node-1.crt")});
  EXPECT_EQ(agent.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(agent.err, "--tls-ca is required")) << agent.err;
}

TEST_F(MtlsTest, APlaintextPortOnANonLoopbackAddressNeedsInsecure) {
  CommandResult refused = RunCommand(
      BuiltProgram("controller/microscale-controller"),
      {"--grpc-addr", "0.0.0.0:0", "--http-addr", "127.0.0.1:0", "--data-dir", dir_ + "/open"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(refused.err, "--grpc-addr")) << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "--insecure")) << refused.err;

  controller_ = ChildProcess(
      BuiltProgram("controller/microscale-controller"),
      {"--grpc-addr", "0.0.0.0:0", "--http-addr", absl::StrCat("127.0.0.1:", http_port_),
       "--data-dir", dir_ + "/open", "--insecure"},
      dir_ + "/controller.log");
  EXPECT_TRUE(WaitFor([&] { return absl::StrContains(controller_.Log(), "the gRPC port is open"); },
                      absl::Seconds(60)))
      << controller_.Log();
}

}  // namespace
}  // namespace microscale::testing
