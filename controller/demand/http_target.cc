#include "controller/demand/http_target.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "common/http/http_error.h"
#include "common/strings.h"

namespace microscale::demand_internal {

absl::StatusOr<HttpTarget> ParseHttpTarget(std::string_view url, std::string_view field) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(field), ": ", ToAbsl(why), " (got \"", ToAbsl(url), "\")"));
  };
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("the URL needs http:// or https://");
  std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return bad("the URL needs http:// or https://");
  std::string_view rest = url.substr(scheme_end + 3);
  size_t host_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, host_end);
  if (authority.empty() || authority.front() == ':') return bad("the URL has no host");
  HttpTarget target;
  target.origin = std::string(url.substr(0, scheme_end + 3 + authority.size()));
  if (host_end == std::string_view::npos) return target;
  std::string_view tail = rest.substr(host_end);
  tail = tail.substr(0, tail.find('#'));
  size_t query_start = tail.find('?');
  target.path = std::string(tail.substr(0, query_start));
  if (query_start != std::string_view::npos)
    target.query = std::string(tail.substr(query_start + 1));
  return target;
}

void ConfigureClient(httplib::Client& client, absl::Duration timeout) {
  auto seconds = absl::ToInt64Seconds(timeout);
  auto micros = absl::ToInt64Microseconds(timeout - absl::Seconds(seconds));
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  client.set_keep_alive(true);
}

std::function<bool(const char*, size_t)> CappedBody(std::string* body, bool* overflowed,
                                                    size_t max_bytes) {
  return [body, overflowed, max_bytes](const char* data, size_t length) {
    if (length > max_bytes - body->size()) {
      *overflowed = true;
      return false;
    }
    body->append(data, length);
    return true;
  };
}

absl::StatusOr<HttpAnswer> GetAnswer(httplib::Client& client, const std::string& path,
                                     const std::map<std::string, std::string>& headers,
                                     std::string_view source, std::string_view where) {
  HttpAnswer answer;
  bool overflowed = false;
  httplib::Result result = client.Get(path, httplib::Headers(headers.begin(), headers.end()),
                                      CappedBody(&answer.body, &overflowed));
  if (overflowed) {
    return absl::FailedPreconditionError(absl::StrCat(ToAbsl(source), ": the answer of ",
                                                      ToAbsl(where), " is larger than ",
                                                      kMaxAnswerBytes, " bytes"));
  }
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat(ToAbsl(source), ": ", ToAbsl(where),
                     " did not answer: ", DescribeHttpError(result.error())));
  }
  answer.status = result->status;
  return answer;
}

std::string WithQuery(const std::string& path, const std::map<std::string, std::string>& params) {
  return httplib::append_query_params(path, httplib::Params(params.begin(), params.end()));
}

}  // namespace microscale::demand_internal
