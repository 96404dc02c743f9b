// PortRange: the host ports an agent may publish containers' ports on (--port-range LO-HI).
// A plain value; ParsePortRange (agent_flags.h) checks what the flag gives.
#ifndef MICROSCALE_NODE_AGENT_CORE_PORT_RANGE_H_
#define MICROSCALE_NODE_AGENT_CORE_PORT_RANGE_H_

#include <string>

namespace microscale {

struct PortRange {
  int first = 30000;
  int last = 32767;

  int Size() const { return last - first + 1; }
  bool Contains(int port) const { return port >= first && port <= last; }
  // "LO-HI", as the flag is written.
  std::string ToString() const { return std::to_string(first) + "-" + std::to_string(last); }

  bool operator==(const PortRange&) const = default;
};

}  // namespace microscale

#endif  // MICROSCALE_NODE_AGENT_CORE_PORT_RANGE_H_
