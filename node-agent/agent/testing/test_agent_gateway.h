// TestAgentGateway: an in-process microscale.v1.AgentGateway server for agent tests.
//
// A test double of the controller's side of the stream: it listens on 127.0.0.1 (port 0
// picks a free one), records every AgentMessage it receives, counts streams, lets the test
// push ControllerMessages down the current stream and end it, and can shut down and come
// back on the same port to play a controller that goes away. Thread-safe.
#ifndef MICROSCALE_NODE_AGENT_AGENT_TESTING_TEST_AGENT_GATEWAY_H_
#define MICROSCALE_NODE_AGENT_AGENT_TESTING_TEST_AGENT_GATEWAY_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"

namespace microscale {

class TestAgentGateway {
 public:
  using Predicate = std::function<bool(const std::vector<v1::AgentMessage>&)>;

  TestAgentGateway();
  ~TestAgentGateway();

  // Listens on 127.0.0.1:`port` (0: any free port).
  absl::Status Start(int port = 0);
  // Cancels every open stream and stops listening.
  void Shutdown();

  int port() const;
  std::string address() const;

  // Messages received on all streams so far, in order.
  std::vector<v1::AgentMessage> received() const;
  // Blocks until `done(received())` holds or `timeout` passes; returns whether it held.
  bool WaitFor(const Predicate& done, absl::Duration timeout = absl::Seconds(30)) const;
  // Streams opened so far, and how many are open now.
  int streams_opened() const;
  int streams_open() const;
  bool WaitForOpenStream(absl::Duration timeout = absl::Seconds(30)) const;

  // Writes to the most recent open stream; false if there is none or the write failed.
  bool Send(const v1::ControllerMessage& message);
  // Ends the most recent open stream (as a controller that hangs up).
  void EndStream();

 private:
  class Service;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Predicates over the received messages.
int CountHellos(const std::vector<v1::AgentMessage>& messages);
int CountHeartbeats(const std::vector<v1::AgentMessage>& messages);
// The result for `command_id`, if received.
const v1::CommandResult* FindResult(const std::vector<v1::AgentMessage>& messages,
                                    const std::string& command_id);

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_AGENT_TESTING_TEST_AGENT_GATEWAY_H_
