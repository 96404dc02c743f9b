// HttpTarget: a source's URL split into what cpp-httplib needs (the origin to connect to
// and the path to request), and the client settings every HTTP source shares.
// Thread-safety: plain values and pure functions.
#ifndef MICROSCALE_CONTROLLER_DEMAND_HTTP_TARGET_H_
#define MICROSCALE_CONTROLLER_DEMAND_HTTP_TARGET_H_

#include <cstddef>
#include <functional>
#include <map>
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

// The most of an answer's body a source reads: a demand answer is one number, and a
// server that sends more (without end, say) must not fill the controller's memory.
inline constexpr size_t kMaxAnswerBytes = size_t{4} << 20;

// A content receiver for httplib's Get that appends to `body` and stops the transfer, with
// `*overflowed` set, once more than `max_bytes` arrived. Both must outlive the request.
std::function<bool(const char*, size_t)> CappedBody(std::string* body, bool* overflowed,
                                                    size_t max_bytes = kMaxAnswerBytes);

// A server's answer: its HTTP status and its body.
struct HttpAnswer {
  int status = 0;
  std::string body;
};

// GETs `path` (with its query) through `client`, reading at most kMaxAnswerBytes of the body.
// The errors start with `source` ("rabbitmq") and name `where` (the URL): FailedPrecondition
// when the body is longer, Unavailable when no answer came (no connection, the timeout).
absl::StatusOr<HttpAnswer> GetAnswer(httplib::Client& client, const std::string& path,
                                     const std::map<std::string, std::string>& headers,
                                     std::string_view source, std::string_view where);

// `path` with `params` as its query, each name and value percent-encoded.
std::string WithQuery(const std::string& path, const std::map<std::string, std::string>& params);

}  // namespace microscale::demand_internal

#endif  // MICROSCALE_CONTROLLER_DEMAND_HTTP_TARGET_H_
