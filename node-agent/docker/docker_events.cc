#include "node-agent/docker/docker_events.h"

#include <httplib.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"
#include "node-agent/docker/docker_transport.h"

namespace microscale::docker {

void EventLineSplitter::Feed(std::string_view data,
                             const std::function<void(std::string_view line)>& on_line) {
  while (!data.empty()) {
    size_t eol = data.find('\n');
    std::string_view piece = data.substr(0, eol);
    bool complete = eol != std::string_view::npos;
    data = complete ? data.substr(eol + 1) : std::string_view();
    if (!dropping_) pending_.append(piece);
    if (pending_.size() > max_line_) {
      pending_.clear();
      dropping_ = true;
    }
    if (!complete) continue;
    if (!dropping_ && !pending_.empty()) on_line(pending_);
    pending_.clear();
    dropping_ = false;
  }
}

void EventLineSplitter::Reset() {
  pending_.clear();
  dropping_ = false;
}

DockerEventStream::DockerEventStream(EventStreamOptions options, Callback callback)
    : options_(std::move(options)),
      callback_(std::move(callback)),
      last_event_nano_(absl::ToUnixNanos(absl::Now())),
      thread_([this] { Run(); }) {}

DockerEventStream::~DockerEventStream() {
  stop_.Notify();
  // A blocked read only ends when its socket is shut down; repeat in case a new
  // connection was being opened while we asked.
  do {
    absl::MutexLock lock(&mu_);
    if (active_ != nullptr) active_->stop();
  } while (!done_.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  thread_.join();
}

void DockerEventStream::Run() {
  Backoff backoff(options_.backoff);
  while (!stop_.HasBeenNotified()) {
    if (FollowOnce(PathSince(last_event_nano_ + 1))) backoff.Reset();
    if (stop_.WaitForNotificationWithTimeout(backoff.Next())) break;
  }
  done_.Notify();
}

std::string DockerEventStream::PathSince(int64_t since_nano) const {
  std::string since =
      absl::StrFormat("%d.%09d", since_nano / 1'000'000'000, since_nano % 1'000'000'000);
  return absl::StrCat(ToAbsl(kApiPrefix), "/events?since=", since,
                      "&filters=", UrlEncode(FiltersJson(options_.filters)));
}

bool DockerEventStream::FollowOnce(const std::string& path) {
  std::unique_ptr<httplib::Client> client = NewUnixClient(options_.socket_path);
  client->set_connection_timeout(std::chrono::seconds(5));
  client->set_read_timeout(
      std::chrono::microseconds(absl::ToInt64Microseconds(options_.idle_timeout)));
  {
    absl::MutexLock lock(&mu_);
    if (stop_.HasBeenNotified()) return false;
    active_ = client.get();
  }
  bool accepted = false;
  splitter_.Reset();
  client->Get(
      path, httplib::Headers{},
      [&](const httplib::Response& response) {
        accepted = response.status == 200;
        if (accepted && options_.on_connect) options_.on_connect(true);
        return accepted;
      },
      [&](const char* data, size_t length) {
        splitter_.Feed(std::string_view(data, length),
                       [this](std::string_view line) { OnLine(line); });
        return !stop_.HasBeenNotified();
      });
  {
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
  }
  if (!accepted && options_.on_connect) options_.on_connect(false);
  return accepted;
}

void DockerEventStream::OnLine(std::string_view line) {
  absl::StatusOr<EngineEvent> event = ParseEngineEvent(line);
  if (!event.ok()) return;
  if (event->time_nano > last_event_nano_) last_event_nano_ = event->time_nano;
  callback_(*event);
}

}  // namespace microscale::docker
