// AnswerServer: a loopback HTTP server for the HTTP demand sources' unit tests, answering
// every GET of one path with a fixed body (e.g. one larger than a source may read); and
// Message, a read's error message.
// Thread-compatible: one test thread; the server answers on its own thread.
#ifndef MICROSCALE_CONTROLLER_DEMAND_TESTING_ANSWER_SERVER_H_
#define MICROSCALE_CONTROLLER_DEMAND_TESTING_ANSWER_SERVER_H_

#include <httplib.h>

#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"

namespace microscale::testing {

// The message of a read's error, for matching in tests.
inline std::string Message(const absl::StatusOr<double>& r) {
  return std::string(r.status().message());
}

class AnswerServer {
 public:
  AnswerServer(const std::string& path, std::string body) : body_(std::move(body)) {
    server_.Get(path, [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Connections wait in the listen queue until the accept loop runs.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  // Each test reads once before this, so the accept loop runs and stop() is heard.
  ~AnswerServer() {
    server_.stop();
    thread_.join();
  }
  AnswerServer(const AnswerServer&) = delete;
  AnswerServer& operator=(const AnswerServer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string body_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_CONTROLLER_DEMAND_TESTING_ANSWER_SERVER_H_
