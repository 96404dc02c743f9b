#include "controller/server/agent_connection.h"

namespace microscale {

bool AgentConnection::Send(const v1::ControllerMessage& message) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  if (!stream_->Write(message)) {
    closed_ = true;
    return false;
  }
  return true;
}

size_t AgentConnection::SendAll(const std::vector<const v1::ControllerMessage*>& messages) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < messages.size(); ++i) {
    if (closed_) return i;
    grpc::WriteOptions options;
    // All but the last may wait in gRPC's buffer: they go out together with it.
    if (i + 1 < messages.size()) options.set_buffer_hint();
    if (!stream_->Write(*messages[i], options)) {
      closed_ = true;
      return i;
    }
  }
  return messages.size();
}

void AgentConnection::Detach() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  stream_ = nullptr;
}

void AgentConnection::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  closed_ = true;
  context_->TryCancel();
}

}  // namespace microscale
