// Whether something on this host already listens on (or otherwise holds) a TCP port.
//
// The agent publishes containers' ports on host ports it picks; the engine refuses a start
// whose port is taken. Probing first lets the agent pick another port instead. Only a bind
// that fails with EADDRINUSE counts as taken: an address this host does not have, or a
// privileged port the agent may not bind (the engine may), is the engine's to judge.
// An agent that runs in a network namespace of its own sees only that namespace; the
// engine's refusal is then what catches a taken port. Thread-safe.
#ifndef MICROSCALE_NODE_AGENT_DOCKER_HOST_PORT_PROBE_H_
#define MICROSCALE_NODE_AGENT_DOCKER_HOST_PORT_PROBE_H_

#include <string>

namespace microscale::docker {

// Binds a TCP socket to `address`:`port` (an IPv4 or IPv6 literal; SO_REUSEADDR on, as the engine
// binds) and closes it. False when the port is in use there.
bool HostPortFree(const std::string& address, int port);

}  // namespace microscale::docker

#endif  // MICROSCALE_NODE_AGENT_DOCKER_HOST_PORT_PROBE_H_
