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

void AgentConnection::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  closed_ = true;
  context_->TryCancel();
}

}  // namespace microscale
