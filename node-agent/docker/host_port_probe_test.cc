#include "node-agent/docker/host_port_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace microscale::docker {
namespace {

// A port some other program listens on (a loopback socket of the test's own) is in use,
// and free again once that program lets go of it.
TEST(HostPortProbeTest, APortSomethingListensOnIsNotFree) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  EXPECT_FALSE(HostPortFree("127.0.0.1", port));
  EXPECT_FALSE(HostPortFree("0.0.0.0", port)) << "the wildcard address overlaps loopback";
  close(fd);
  EXPECT_TRUE(HostPortFree("127.0.0.1", port));
}

TEST(HostPortProbeTest, WhatItCannotJudgeIsLeftToTheEngine) {
  EXPECT_TRUE(HostPortFree("not-an-address", 30000));
  EXPECT_TRUE(HostPortFree("192.0.2.1", 30000)) << "an address this host does not have";
}

}  // namespace
}  // namespace microscale::docker
