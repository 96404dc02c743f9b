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

size_t AgentConnection::SendAll(const std::vector<v1::ControllerMessage*>& messages) {
  absl::MutexLock lock(&mu_);
  // Each write: the message, and how many commands it carries.
  std::vector<std::pair<v1::ControllerMessage, size_t>> writes;
  if (accepts_batches_ && messages.size() > 1) {
    size_t bytes = kMaxBatchBytes;  // a new batch before the first command
    for (v1::ControllerMessage* command : messages) {
      const size_t size = command->ByteSizeLong();
      if (bytes + size > kMaxBatchBytes) {
        writes.emplace_back();
        bytes = 0;
      }
      *writes.back().first.mutable_batch()->add_commands() = std::move(*command);
      ++writes.back().second;
      bytes += size;
    }
  } else {
    for (v1::ControllerMessage* command : messages) writes.emplace_back(std::move(*command), 1);
  }
  size_t taken = 0;
  for (size_t i = 0; i < writes.size(); ++i) {
    if (closed_) return taken;
    grpc::WriteOptions options;
    // All but the last may wait in gRPC's buffer: they go out together with it.
    if (i + 1 < writes.size()) options.set_buffer_hint();
    if (!stream_->Write(writes[i].first, options)) {
      closed_ = true;
      return taken;
    }
    taken += writes[i].second;
  }
  return taken;
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
