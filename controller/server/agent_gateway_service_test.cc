#include "controller/server/agent_gateway_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The gateway alone on a loopback port, with hooks that do nothing.
class GatewayTest : public ::testing::Test {
 protected:
  void Serve(const AgentGatewayPolicy& policy) {
    AgentGatewayHooks hooks;
    hooks.mark_dirty = [] {};
    hooks.sync_for = [](const std::string&) { return v1::Sync(); };
    hooks.on_result = [](const InFlightCommand&, const v1::CommandResult&) {};
    hooks.on_event = [](const std::string&, const v1::ContainerEvent&) {};
    service_ = std::make_unique<AgentGatewayService>(clock_, registry_, tracker_, events_,
                                                     std::move(hooks), "c1", policy);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::unique_ptr<v1::AgentGateway::Stub> Stub() const {
    return v1::AgentGateway::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }

  static v1::AgentMessage Hello() {
    v1::AgentMessage message;
    message.mutable_hello()->set_node_name("node-1");
    message.mutable_hello()->set_cluster("c1");
    return message;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  NodeRegistry registry_{absl::Seconds(10)};
  CommandTracker tracker_;
  EventLog events_;
  std::unique_ptr<AgentGatewayService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(GatewayTest, SyncTellsTheAgentWhetherHostNetworkIsAllowedAndWhoSendsItsCommands) {
  for (bool allowed : {false, true}) {
    AgentGatewayPolicy policy;
    policy.host_network_allowed = allowed;
    policy.controller = "c1.example:7400";
    policy.leader_term = 17;
    Serve(policy);
    auto stub = Stub();
    grpc::ClientContext context;
    auto stream = stub->Connect(&context);
    ASSERT_TRUE(stream->Write(Hello()));
    v1::ControllerMessage sync;
    ASSERT_TRUE(stream->Read(&sync));
    ASSERT_TRUE(sync.has_sync());
    EXPECT_EQ(sync.sync().host_network_allowed(), allowed);
    EXPECT_EQ(sync.sync().controller(), "c1.example:7400");
    EXPECT_EQ(sync.sync().leader_term(), 17);
    EXPECT_TRUE(sync.sync().unchanged_heartbeats()) << "heartbeats may omit an unchanged list";
    context.TryCancel();
    stream->Finish();
    server_->Shutdown();
    server_.reset();
  }
}

TEST_F(GatewayTest, CommandsGoAsBatchesOnlyToAnAgentThatTakesThem) {
  for (bool batches : {false, true}) {
    Serve(AgentGatewayPolicy());
    auto stub = Stub();
    grpc::ClientContext context;
    auto stream = stub->Connect(&context);
    v1::AgentMessage hello = Hello();
    hello.mutable_hello()->set_accepts_batches(batches);
    ASSERT_TRUE(stream->Write(hello));
    v1::ControllerMessage sync;
    ASSERT_TRUE(stream->Read(&sync));
    std::shared_ptr<AgentConnection> connection = registry_.Connection("node-1");
    ASSERT_NE(connection, nullptr);
    // Each command a third of a batch's bytes and a little more: two fit in one, not three.
    std::vector<v1::ControllerMessage> commands(3);
    std::vector<v1::ControllerMessage*> out;
    for (size_t i = 0; i < commands.size(); ++i) {
      commands[i].set_command_id(absl::StrCat("c", i));
      commands[i].mutable_start()->set_instance(absl::StrCat("web-", i));
      commands[i].mutable_start()->mutable_spec()->set_image(
          std::string(AgentConnection::kMaxBatchBytes / 3 + 1, 'x'));
      out.push_back(&commands[i]);
    }
    EXPECT_EQ(connection->SendAll(out), 3u);
    std::vector<std::string> ids;
    int writes = 0;
    while (ids.size() < 3) {
      v1::ControllerMessage message;
      ASSERT_TRUE(stream->Read(&message));
      if (message.has_pace()) continue;
      ++writes;
      if (!message.has_batch()) {
        ids.push_back(message.command_id());
        continue;
      }
      EXPECT_TRUE(message.command_id().empty());
      for (const v1::ControllerMessage& c : message.batch().commands()) {
        EXPECT_EQ(c.start().spec().image().size(), AgentConnection::kMaxBatchBytes / 3 + 1);
        ids.push_back(c.command_id());
      }
    }
    EXPECT_THAT(ids, ElementsAre("c0", "c1", "c2"));
    EXPECT_EQ(writes, batches ? 2 : 3) << (batches ? "with batches" : "without");
    context.TryCancel();
    stream->Finish();
    server_->Shutdown();
    server_.reset();
  }
}

TEST_F(GatewayTest, AStreamThatFloodsIsEndedWithResourceExhausted) {
  AgentGatewayPolicy policy;
  policy.stream_rate = RateLimit{.per_second = 1, .burst = 5, .max_peers = 10};
  Serve(policy);  // the fake clock stands still: no bucket refills during the test
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Connect(&context);
  ASSERT_TRUE(stream->Write(Hello()));
  v1::ControllerMessage sync;
  ASSERT_TRUE(stream->Read(&sync));
  v1::AgentMessage heartbeat;
  heartbeat.mutable_heartbeat();
  for (int i = 0; i < 20 && stream->Write(heartbeat); ++i) {
  }
  stream->WritesDone();
  v1::ControllerMessage ignored;
  while (stream->Read(&ignored)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("messages a second"));
}

TEST_F(GatewayTest, WithTlsRequiredAPlaintextAgentIsRefused) {
  AgentGatewayPolicy policy;
  policy.require_client_certificate = true;
  Serve(policy);
  auto stub = Stub();
  grpc::ClientContext context;
  auto stream = stub->Connect(&context);
  stream->Write(Hello());
  v1::ControllerMessage reply;
  EXPECT_FALSE(stream->Read(&reply));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("client certificate"));
  EXPECT_TRUE(registry_.Snapshot(clock_.Now()).empty());
}

}  // namespace
}  // namespace microscale
