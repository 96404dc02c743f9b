// HttpServer under hostile clients: silent, slow, endless and oversized requests must not
// starve other clients, and each is cut off by the limits of HttpServerOptions.
#include <httplib.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/http/http_server.h"
#include "common/http/testing/raw_connection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::HasSubstr;
using testing::RawConnection;

constexpr absl::Duration kGenerous = absl::Seconds(30);

HttpServerOptions Loopback() {
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  return options;
}

httplib::Result GetHealthz(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(10));
  return client.Get("/healthz");
}

std::vector<RawConnection> Open(int port, int count) {
  std::vector<RawConnection> connections;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<RawConnection> c = RawConnection::Connect(port);
    EXPECT_TRUE(c.ok()) << c.status();
    if (c.ok()) connections.push_back(*std::move(c));
  }
  return connections;
}

// With two worker threads (the old setting) two silent clients blocked everyone for the
// read timeout; now each connection has its own thread.
TEST(HttpHostileTest, SilentAndHalfSentClientsDoNotStarveOthers) {
  HttpServerOptions options = Loopback();
  options.read_timeout = absl::Seconds(60);  // longer than any wait below
  options.request_deadline = absl::Seconds(60);
  HttpServer server(options);
  ASSERT_TRUE(server.Start().ok());
  std::vector<RawConnection> silent = Open(server.port(), 20);
  std::vector<RawConnection> half = Open(server.port(), 20);
  for (RawConnection& c : half) c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  auto health = GetHealthz(server.port());
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
}

TEST(HttpHostileTest, TrickledHeaderIsCutAtTheRequestDeadline) {
  HttpServerOptions options = Loopback();
  options.request_deadline = absl::Seconds(1);
  HttpServer server(options);
  ASSERT_TRUE(server.Start().ok());
  absl::StatusOr<RawConnection> slow = RawConnection::Connect(server.port());
  ASSERT_TRUE(slow.ok());
  slow->Send("GET /healthz HTTP/1.1\r\n");
  // One header byte every 100 ms keeps every read within the 5 s read timeout.
  const absl::Time deadline = absl::Now() + kGenerous;
  bool closed = false;
  while (!closed && absl::Now() < deadline) {
    slow->Send("x", absl::Seconds(1));
    closed = slow->ClosedByPeer(absl::Now() + absl::Milliseconds(100));
  }
  EXPECT_TRUE(closed) << "a request that never ends must be cut";
}

// A client that asks for a large answer and reads it slowly (each write still goes through
// within the write timeout) is cut off at the request deadline, not served for as long as
// it likes to read: it gets a part of the answer, then the connection closes.
TEST(HttpHostileTest, ASlowReaderOfALargeAnswerIsCutOffAtTheDeadline) {
  HttpServerOptions options = Loopback();
  options.request_deadline = absl::Seconds(1);
  HttpServer server(options);
  const std::string big(size_t{32} << 20, 'x');
  server.Handle("GET", "/big", [&](const HttpRequest&) {
    return HttpResponse{200, "text/plain", big, {}, {}};
  });
  ASSERT_TRUE(server.Start().ok());
  absl::StatusOr<RawConnection> reader = RawConnection::Connect(server.port());
  ASSERT_TRUE(reader.ok());
  reader->Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  // 4 KiB every 100 ms: 40 KiB/s, so 32 MiB would take 14 minutes. Read for 3 s (past the
  // 1 s deadline), then as fast as possible until the server closes.
  size_t read = 0;
  const absl::Time slow_until = absl::Now() + absl::Seconds(3);
  while (absl::Now() < slow_until) {
    read += reader->Receive(absl::Milliseconds(100), 4096).size();
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::optional<size_t> rest = reader->ReadUntilClosed(absl::Now() + kGenerous);
  ASSERT_TRUE(rest.has_value()) << "the server kept the slow reader's connection open";
  EXPECT_LT(read + *rest, big.size()) << "the slow reader was served the whole answer";
  // Everyone else is still served.
  auto health = GetHealthz(server.port());
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
}

TEST(HttpHostileTest, EndlessHeaderLinesAreCutByTheByteBudget) {
  HttpServer server(Loopback());
  ASSERT_TRUE(server.Start().ok());
  absl::StatusOr<RawConnection> flood = RawConnection::Connect(server.port());
  ASSERT_TRUE(flood.ok());
  flood->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  const std::string line = "X-Flood: " + std::string(1000, 'a') + "\r\n";
  size_t sent = 0;
  constexpr size_t kLimit = size_t{256} << 20;  // far beyond the budget and socket buffers
  while (sent < kLimit) {
    size_t n = flood->Send(line, absl::Seconds(2));
    sent += n;
    if (n < line.size()) break;
  }
  EXPECT_LT(sent, kLimit) << "the server must stop reading an endless header";
  EXPECT_TRUE(flood->ClosedByPeer(absl::Now() + kGenerous));
  auto health = GetHealthz(server.port());
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(HttpHostileTest, OversizedBodyIsRefusedWith413) {
  HttpServerOptions options = Loopback();
  options.max_body_bytes = 1024;
  HttpServer server(options);
  server.Handle("POST", "/echo", [](const HttpRequest& req) {
    return HttpResponse{200, "text/plain", req.body, {}, {}};
  });
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto small = client.Post("/echo", std::string(1000, 'a'), "text/plain");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  auto big = client.Post("/echo", std::string(64 << 10, 'a'), "text/plain");
  if (big) {
    EXPECT_EQ(big->status, 413);  // unless the connection was cut while it was sent
  }
  auto health = GetHealthz(server.port());
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(HttpHostileTest, GarbageGetsAnErrorOrACloseAndTheServerStaysUp) {
  HttpServerOptions options = Loopback();
  options.read_timeout = absl::Seconds(1);  // garbage without a line end waits for this
  HttpServer server(options);
  ASSERT_TRUE(server.Start().ok());
  for (const char* garbage :
       {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET\r\n\r\n", "\r\n\r\n\r\n", "GET /healthz HTTP/9.9\r\nContent-Length: -5\r\n\r\n"}) {
    absl::StatusOr<RawConnection> c = RawConnection::Connect(server.port());
    ASSERT_TRUE(c.ok());
    c->Send(garbage);
    EXPECT_TRUE(c->ClosedByPeer(absl::Now() + kGenerous)) << garbage;
  }
  auto health = GetHealthz(server.port());
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(HttpHostileTest, KeepAliveStillServesSeveralRequests) {
  HttpServer server(Loopback());
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto health = client.Get("/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_THAT(health->body, HasSubstr("ok"));
  }
}

TEST(HttpHostileTest, StopCutsOpenConnections) {
  HttpServerOptions options = Loopback();
  options.read_timeout = absl::Seconds(600);
  options.request_deadline = absl::Seconds(600);
  HttpServer server(options);
  ASSERT_TRUE(server.Start().ok());
  std::vector<RawConnection> silent = Open(server.port(), 5);
  server.Stop();  // would wait for the 600 s read timeout if it did not cut them
  for (RawConnection& c : silent) EXPECT_TRUE(c.ClosedByPeer(absl::Now() + kGenerous));
}

}  // namespace
}  // namespace microscale
