#include "node-agent/agent/testing/test_agent_gateway.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace microscale {

class TestAgentGateway::Service final : public v1::AgentGateway::Service {
 public:
  using Stream = grpc::ServerReaderWriter<v1::ControllerMessage, v1::AgentMessage>;

  grpc::Status Connect(grpc::ServerContext* context, Stream* stream) override {
    {
      absl::MutexLock lock(&mu_);
      ++opened_;
      ++open_;
      current_context_ = context;
      current_stream_ = stream;
    }
    v1::AgentMessage message;
    while (stream->Read(&message)) {
      absl::MutexLock lock(&mu_);
      received_.push_back(message);
    }
    absl::MutexLock lock(&mu_);
    --open_;
    if (current_stream_ == stream) {
      current_stream_ = nullptr;
      current_context_ = nullptr;
    }
    return grpc::Status::OK;
  }

  bool Send(const v1::ControllerMessage& message) {
    absl::MutexLock lock(&mu_);
    return current_stream_ != nullptr && current_stream_->Write(message);
  }

  void EndStream() {
    absl::MutexLock lock(&mu_);
    if (current_context_ != nullptr) current_context_->TryCancel();
  }

  mutable absl::Mutex mu_;
  std::vector<v1::AgentMessage> received_ ABSL_GUARDED_BY(mu_);
  int opened_ ABSL_GUARDED_BY(mu_) = 0;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::ServerContext* current_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  Stream* current_stream_ ABSL_GUARDED_BY(mu_) = nullptr;
};

TestAgentGateway::TestAgentGateway() : service_(std::make_unique<Service>()) {}

TestAgentGateway::~TestAgentGateway() { Shutdown(); }

absl::Status TestAgentGateway::Start(int port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("test gateway cannot listen on port ", port));
  }
  return absl::OkStatus();
}

void TestAgentGateway::Shutdown() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
}

int TestAgentGateway::port() const { return port_; }

std::string TestAgentGateway::address() const { return absl::StrCat("127.0.0.1:", port_); }

std::vector<v1::AgentMessage> TestAgentGateway::received() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->received_;
}

bool TestAgentGateway::WaitFor(const Predicate& done, absl::Duration timeout) const {
  absl::MutexLock lock(&service_->mu_);
  auto holds = [this, &done]() { return done(service_->received_); };
  return service_->mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
}

int TestAgentGateway::streams_opened() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->opened_;
}

int TestAgentGateway::streams_open() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->open_;
}

bool TestAgentGateway::WaitForOpenStream(absl::Duration timeout) const {
  absl::MutexLock lock(&service_->mu_);
  auto open = [this]() { return service_->current_stream_ != nullptr; };
  return service_->mu_.AwaitWithTimeout(absl::Condition(&open), timeout);
}

bool TestAgentGateway::Send(const v1::ControllerMessage& message) {
  return service_->Send(message);
}

void TestAgentGateway::EndStream() { service_->EndStream(); }

int CountHellos(const std::vector<v1::AgentMessage>& messages) {
  int n = 0;
  for (const auto& m : messages) n += m.has_hello();
  return n;
}

int CountHeartbeats(const std::vector<v1::AgentMessage>& messages) {
  int n = 0;
  for (const auto& m : messages) n += m.has_heartbeat();
  return n;
}

const v1::CommandResult* FindResult(const std::vector<v1::AgentMessage>& messages,
                                    const std::string& command_id) {
  for (const auto& m : messages) {
    if (m.has_result() && m.result().command_id() == command_id) return &m.result();
  }
  return nullptr;
}

}  // namespace microscale
