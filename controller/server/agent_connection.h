// AgentConnection: the controller's end of one agent's Connect stream.
//
// The gRPC handler thread reads from the stream; any thread may Send. Writes are
// serialized by a mutex because a gRPC stream allows one writer at a time.
// Thread-safety: Send and Close may be called from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_AGENT_CONNECTION_H_
#define MICROSCALE_CONTROLLER_SERVER_AGENT_CONNECTION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/sync_stream.h"
#include "microscale/v1/agent_gateway.pb.h"

namespace microscale {

class AgentConnection {
 public:
  using Stream = grpc::ServerReaderWriterInterface<v1::ControllerMessage, v1::AgentMessage>;

  // `accepts_batches`: the agent's Hello said it takes CommandBatch.
  AgentConnection(Stream* stream, grpc::ServerContext* context, std::string peer,
                  bool accepts_batches = false)
      : stream_(stream),
        context_(context),
        peer_(std::move(peer)),
        accepts_batches_(accepts_batches) {}

  // Writes one message. Returns false when the stream is closed or broken.
  bool Send(const v1::ControllerMessage& message);
  // Writes the commands in order, flushing once after the last: as CommandBatch messages
  // of at most kMaxBatchBytes when the agent takes them, else one message each. Returns
  // how many the stream took (fewer when it closed or broke on the way). The messages are
  // moved from.
  size_t SendAll(const std::vector<v1::ControllerMessage*>& messages);

  // A batch stays well under the 4 MiB an agent's channel takes in one message.
  static constexpr size_t kMaxBatchBytes = 1 << 20;

  // Ends the stream from the controller's side (e.g. a newer connection for the node).
  void Close();
  // The stream is about to be destroyed (its handler returns): waits for a write in
  // progress, and makes every later Send fail without touching the stream.
  void Detach();

  const std::string& peer() const { return peer_; }

 private:
  absl::Mutex mu_;
  Stream* stream_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ServerContext* context_;
  const std::string peer_;
  const bool accepts_batches_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_AGENT_CONNECTION_H_
