#include "node-agent/docker/docker_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace microscale::docker {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Split(EventLineSplitter& splitter,
                               const std::vector<std::string>& chunks) {
  std::vector<std::string> lines;
  for (const std::string& c : chunks) {
    splitter.Feed(c, [&](std::string_view line) { lines.emplace_back(line); });
  }
  return lines;
}

TEST(EventLineSplitterTest, JoinsLinesAcrossChunks) {
  EventLineSplitter s;
  EXPECT_THAT(Split(s, {"{\"a\":", "1}\n{\"b\"", ":2}\n{\"c\":3}\n"}),
              ElementsAre("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"));
}

TEST(EventLineSplitterTest, KeepsTheUnfinishedTailUntilItsNewline) {
  EventLineSplitter s;
  EXPECT_THAT(Split(s, {"abc"}), ElementsAre());
  EXPECT_THAT(Split(s, {"def\n\n"}), ElementsAre("abcdef"));
}

TEST(EventLineSplitterTest, DropsOverlongLinesWhole) {
  EventLineSplitter s(/*max_line=*/4);
  EXPECT_THAT(Split(s, {"123", "456", "789\nok\n"}), ElementsAre("ok"));
}

TEST(EventLineSplitterTest, ResetForgetsThePartialLine) {
  EventLineSplitter s;
  Split(s, {"partial"});
  s.Reset();
  EXPECT_THAT(Split(s, {"x\n"}), ElementsAre("x"));
}

std::string EventJson(const std::string& action, int64_t time_nano) {
  return absl::StrCat(R"({"Type":"container","Action":")", action,
                      R"(","Actor":{"ID":"id1","Attributes":{"exitCode":"0"}},"timeNano":)",
                      time_nano, "}\n");
}

// A stand-in engine on a unix socket that serves a scripted /events stream per connection.
class FakeEventsEngine {
 public:
  FakeEventsEngine() : path_(absl::StrCat("/tmp/microscale-events-test-", getpid(), ".sock")) {
    unlink(path_.c_str());
    server_.set_address_family(AF_UNIX);
    server_.Get("/v1.41/events",
                [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); });
    bound_ = server_.bind_to_port(path_, 80);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeEventsEngine() {
    release_.Notify();
    server_.stop();
    thread_.join();
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }
  // Event times lie a little in the future, after the stream's own start time.
  int64_t base_nano() const { return base_nano_; }
  std::vector<std::string> sinces() {
    absl::MutexLock lock(&mu_);
    return sinces_;
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    int n;
    {
      absl::MutexLock lock(&mu_);
      n = static_cast<int>(sinces_.size());
      sinces_.push_back(req.get_param_value("since"));
    }
    if (n == 0) {  // two events, the first split mid-object, then the stream ends
      res.set_chunked_content_provider("application/json", [this](size_t, httplib::DataSink& sink) {
        std::string both = EventJson("start", base_nano_ + 1) + EventJson("die", base_nano_ + 2);
        sink.write(both.data(), 20);
        sink.write(both.data() + 20, both.size() - 20);
        sink.done();
        return true;
      });
    } else if (n == 1) {  // the engine refuses once
      res.status = 500;
    } else {  // one more event, then an idle stream held open until the test ends
      res.set_chunked_content_provider("application/json", [this](size_t, httplib::DataSink& sink) {
        std::string e = EventJson("oom", base_nano_ + 3);
        sink.write(e.data(), e.size());
        while (!release_.WaitForNotificationWithTimeout(absl::Milliseconds(20))) {
          if (!sink.is_writable()) return false;
        }
        sink.done();
        return true;
      });
    }
  }

  std::string path_;
  const int64_t base_nano_ = absl::ToUnixNanos(absl::Now() + absl::Seconds(10));
  httplib::Server server_;
  bool bound_ = false;
  std::thread thread_;
  absl::Notification release_;
  absl::Mutex mu_;
  std::vector<std::string> sinces_ ABSL_GUARDED_BY(mu_);
};

TEST(DockerEventStreamTest, DeliversEventsInOrderAndResumesAfterTheLastOneOnReconnect) {
  FakeEventsEngine engine;
  ASSERT_TRUE(engine.bound());
  absl::Mutex mu;
  std::vector<std::string> actions;
  {
    EventStreamOptions options;
    options.socket_path = engine.path();
    options.filters = {{"type", {"container"}}};
    options.backoff = {absl::Milliseconds(10), absl::Milliseconds(50), 2.0, 0.0};
    DockerEventStream stream(options, [&](const EngineEvent& e) {
      absl::MutexLock lock(&mu);
      actions.push_back(e.action);
    });
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(
        absl::Condition(
            +[](std::vector<std::string>* a) { return a->size() >= 3; }, &actions),
        absl::Seconds(20)));
  }  // destruction ends the idle stream
  EXPECT_THAT(actions, ElementsAre("start", "die", "oom"));
  std::vector<std::string> sinces = engine.sinces();
  ASSERT_GE(sinces.size(), 3u);
  // After the drop the stream asks for everything just after the last event it saw.
  int64_t after_die = engine.base_nano() + 3;
  std::string expected =
      absl::StrFormat("%d.%09d", after_die / 1'000'000'000, after_die % 1'000'000'000);
  EXPECT_EQ(sinces[1], expected);
  EXPECT_EQ(sinces[2], expected);
}

TEST(DockerEventStreamTest, RetriesWhileTheEngineIsAbsentAndStopsPromptly) {
  EventStreamOptions options;
  options.socket_path = "/tmp/microscale-no-such-engine.sock";
  options.backoff = {absl::Milliseconds(5), absl::Milliseconds(20), 2.0, 0.0};
  absl::Mutex mu;
  int failures = 0;
  options.on_connect = [&](bool ok) {
    absl::MutexLock lock(&mu);
    if (!ok) ++failures;
  };
  DockerEventStream stream(options, [](const EngineEvent&) {});
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* f) { return *f >= 3; }, &failures),
                                  absl::Seconds(20)));
}

}  // namespace
}  // namespace microscale::docker
