// HttpTarget: a source's URL split into what cpp-httplib needs (the origin to connect to
// and the path to request), and the client settings every HTTP source shares.
// Thread-safety: plain values and pure functions.
#ifndef MICROSCALE_CONTROLLER_DEMAND_HTTP_TARGET_H_
#define MICROSCALE_CONTROLLER_DEMAND_HTTP_TARGET_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Client;
}

namespace microscale::demand_internal {

struct HttpTarget {
  std::string origin;  // "http://host:port" or "https://host"
  std::string path;    // "/..." without the query; "" when the URL has none
  std::string query;   // the part after '?', without it
};

// Splits an http:// or https:// URL. InvalidArgument names `field` when the URL has
// another scheme or no host.
absl::StatusOr<HttpTarget> ParseHttpTarget(std::string_view url, std::string_view field);

// Bounds connecting, sending and receiving by `timeout` each and keeps the connection
// open between reads.
void ConfigureClient(httplib::Client& client, absl::Duration timeout);

}  // namespace microscale::demand_internal

#endif  // MICROSCALE_CONTROLLER_DEMAND_HTTP_TARGET_H_
