#include "node-agent/docker/docker_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "node-agent/docker/docker_client.h"

namespace microscale::docker {
namespace {

TEST(SocketPathFromHostTest, StripsTheUnixScheme) {
  EXPECT_EQ(SocketPathFromHost("unix:///var/run/docker.sock"), "/var/run/docker.sock");
  EXPECT_EQ(SocketPathFromHost("/tmp/d.sock"), "/tmp/d.sock");
}

TEST(UrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode(R"({"label":["a=b"]})"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
  EXPECT_EQ(UrlEncode("web-0_x.y~"), "web-0_x.y~");
  EXPECT_EQ(UrlEncode("repo/img:tag", "/:"), "repo/img:tag");
}

TEST(SplitImageReferenceTest, SeparatesRepositoryAndTag) {
  auto r = SplitImageReference("microscale/demo:latest");
  EXPECT_EQ(r.repository, "microscale/demo");
  EXPECT_EQ(r.tag, "latest");
  r = SplitImageReference("busybox");
  EXPECT_EQ(r.repository, "busybox");
  EXPECT_EQ(r.tag, "latest");
  r = SplitImageReference("registry:5000/team/app");
  EXPECT_EQ(r.repository, "registry:5000/team/app");
  EXPECT_EQ(r.tag, "latest");
  r = SplitImageReference("app@sha256:abc");
  EXPECT_EQ(r.repository, "app@sha256:abc");
  EXPECT_EQ(r.tag, "");
}

TEST(DockerTransportTest, AnAbsentEngineIsUnavailable) {
  DockerTransport transport("/tmp/microscale-no-such-engine.sock");
  auto reply = transport.Send(HttpMethod::kGet, "/_ping", "", absl::Seconds(2));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
}

// The error says what is wrong with the socket in the system's words (it once ended in a
// bare "Connection"): no such file, not a socket, or a socket nobody listens on.
TEST(DockerTransportTest, AnUnreachableEngineSaysWhy) {
  auto why = [](const std::string& path) {
    DockerTransport transport(path);
    return std::string(
        transport.Send(HttpMethod::kGet, "/_ping", "", absl::Seconds(2)).status().message());
  };
  EXPECT_THAT(why("/tmp/microscale-no-such-engine.sock"),
              ::testing::HasSubstr("unreachable: No such file or directory"));
  char file[] = "/tmp/microscale-not-a-socket.XXXXXX";
  const int fd = mkstemp(file);
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_THAT(why(file), ::testing::HasSubstr("not a unix socket"));
  unlink(file);

  char dir[] = "/tmp/microscale-dead-engine.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/docker.sock";
  const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  close(sock);  // bound, never listening: connections are refused
  EXPECT_THAT(why(path), ::testing::HasSubstr("connection refused"));
  unlink(path.c_str());
  rmdir(dir);
}

TEST(DockerClientTest, ReportsEachCallToTheObserver) {
  std::vector<std::pair<std::string, bool>> seen;
  DockerClientOptions options;
  options.socket_path = "/tmp/microscale-no-such-engine.sock";
  options.timeout = absl::Seconds(2);
  options.observer = [&](std::string_view op, absl::Duration elapsed, bool ok) {
    EXPECT_GE(elapsed, absl::ZeroDuration());
    seen.emplace_back(std::string(op), ok);
  };
  DockerClient client(options);
  EXPECT_EQ(client.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client.InspectContainer("x").status().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("ping"), false));
  EXPECT_EQ(seen[1], std::make_pair(std::string("inspect"), false));
}

}  // namespace
}  // namespace microscale::docker
