#include "node-agent/docker/host_port_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace microscale::docker {
namespace {

bool Bind(int family, const sockaddr* address, socklen_t length) {
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell: let the engine judge
  // As the engine's proxy binds: a port whose last connections linger in TIME_WAIT is free,
  // only a socket bound to it now makes it taken.
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  const bool in_use = bind(fd, address, length) != 0 && errno == EADDRINUSE;
  close(fd);
  return !in_use;
}

}  // namespace

bool HostPortFree(const std::string& address, int port) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &v4.sin_addr) == 1) {
    return Bind(AF_INET, reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET6, address.c_str(), &v6.sin6_addr) == 1) {
    return Bind(AF_INET6, reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
  }
  return true;  // not an address literal: the flags refuse those before this is reached
}

}  // namespace microscale::docker
