// DockerEventStream: follows the engine's /events stream on a background thread.
//
// The stream is one long HTTP response of JSON objects, one per line, in chunks. Lines are
// cut by EventLineSplitter, parsed by ParseEngineEvent and handed to the callback in order;
// a line that is not valid JSON is skipped. When the stream drops (engine restart, socket
// error, idle read timeout) it reconnects with jittered backoff and asks the engine to
// replay from just after the last event seen, so no event is lost in the gap.
// Thread-safety: the callback runs on the stream's own thread; the destructor stops and
// joins it (it may be called from any thread but the callback's).
#ifndef MICROSCALE_NODE_AGENT_DOCKER_DOCKER_EVENTS_H_
#define MICROSCALE_NODE_AGENT_DOCKER_DOCKER_EVENTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "node-agent/docker/docker_json.h"

namespace httplib {
class Client;
}

namespace microscale::docker {

// Cuts a byte stream into newline-terminated lines; keeps the unfinished tail for the next
// Feed. A line longer than `max_line` is dropped whole. Thread-compatible.
class EventLineSplitter {
 public:
  explicit EventLineSplitter(size_t max_line = 1 << 20) : max_line_(max_line) {}
  void Feed(std::string_view data, const std::function<void(std::string_view line)>& on_line);
  void Reset();

 private:
  size_t max_line_;
  std::string pending_;
  bool dropping_ = false;  // inside an over-long line, skipping to its end
};

struct EventStreamOptions {
  std::string socket_path = "/var/run/docker.sock";
  // Event filters, e.g. {"type": {"container"}, "label": {"io.microscale.cluster=c"}}.
  std::map<std::string, std::vector<std::string>> filters;
  // Reconnect after this long without a byte (the engine sends nothing when idle).
  absl::Duration idle_timeout = absl::Seconds(60);
  BackoffOptions backoff = {absl::Milliseconds(100), absl::Seconds(5), 2.0, 0.5};
  // Told about each (re)connection attempt, from the stream thread: ok = the engine
  // accepted the stream (told when it starts), or not (told when the attempt failed).
  std::function<void(bool ok)> on_connect;
};

class DockerEventStream {
 public:
  using Callback = std::function<void(const EngineEvent&)>;

  // Starts following at once; events from before the construction are not replayed.
  DockerEventStream(EventStreamOptions options, Callback callback);
  ~DockerEventStream();
  DockerEventStream(const DockerEventStream&) = delete;
  DockerEventStream& operator=(const DockerEventStream&) = delete;

 private:
  void Run();
  // Follows the stream until it ends or Stop; true when the engine accepted it.
  bool FollowOnce(const std::string& path);
  std::string PathSince(int64_t since_nano) const;
  void OnLine(std::string_view line);

  const EventStreamOptions options_;
  const Callback callback_;
  EventLineSplitter splitter_;   // used by the stream thread only
  int64_t last_event_nano_ = 0;  // used by the stream thread only
  absl::Notification stop_;
  absl::Notification done_;
  absl::Mutex mu_;
  httplib::Client* active_ ABSL_GUARDED_BY(mu_) = nullptr;  // the live connection, if any
  std::thread thread_;
};

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_DOCKER_EVENTS_H_
