// HttpJsonDemandSource: demand is the number at an RFC 6901 JSON pointer in the answer
// of an HTTP GET (for example "/queue/depth" in a service's stats endpoint).
//
// Optional headers are sent with every request (an Authorization token, say). A non-200
// answer, a body that is not JSON, a pointer that names nothing, or a value that is not a
// number (strings and booleans are not numbers) is a failed read whose message says which.
// With `arrivalsPointer` (queue mode), the same answer also gives the items ever enqueued
// (ArrivalsTotal); a counter that is missing, not a number or negative fails the read too.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_HTTP_JSON_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_HTTP_JSON_SOURCE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controller/demand/demand_source.h"
#include "controller/demand/http_target.h"

namespace httplib {
class Client;
}

namespace microscale {

// InvalidArgument unless `pointer` is a valid RFC 6901 pointer ("" or "/a/0/b~1c").
absl::Status CheckJsonPointer(const std::string& pointer);

// The number at `pointer` in the JSON `body`.
absl::StatusOr<double> ExtractJsonNumber(std::string_view body, const std::string& pointer);

class HttpJsonDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the URL or the pointer cannot be used.
  static absl::StatusOr<std::unique_ptr<HttpJsonDemandSource>> Create(const HttpJsonDemand& spec,
                                                                      absl::Duration timeout);
  ~HttpJsonDemandSource() override;

  absl::StatusOr<double> Read(absl::Time now) override;
  // The number at the spec's arrivals pointer, when it has one.
  std::optional<double> ArrivalsTotal() const override { return arrivals_total_; }

 private:
  HttpJsonDemandSource(const HttpJsonDemand& spec, demand_internal::HttpTarget target,
                       absl::Duration timeout);

  HttpJsonDemand spec_;
  demand_internal::HttpTarget target_;
  std::unique_ptr<httplib::Client> client_;
  std::optional<double> arrivals_total_;  // as of the last read that succeeded
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_HTTP_JSON_SOURCE_H_
