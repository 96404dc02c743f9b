// Splitting of listen and dial addresses written as "host:port".
//
//   "127.0.0.1:7402" -> {"127.0.0.1", 7402}   ":7401" -> {"0.0.0.0", 7401}
//   "[::1]:80" -> {"::1", 80}                  "localhost:0" -> {"localhost", 0} (ephemeral)
//
// Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_HTTP_HOST_PORT_H_
#define MICROSCALE_COMMON_HTTP_HOST_PORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace microscale {

struct HostPort {
  std::string host;
  int port = 0;
};

// InvalidArgument, quoting the input, when there is no port or it is not in 0..65535.
absl::StatusOr<HostPort> ParseHostPort(std::string_view address);

// A comma-separated list of dial addresses ("a:7400,b:7400"), each checked as ParseHostPort
// does; InvalidArgument naming the bad element, or "" for an empty one.
absl::StatusOr<std::vector<std::string>> ParseAddressList(std::string_view list);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_HTTP_HOST_PORT_H_
