// PrometheusDemandSource: demand is the answer of a PromQL instant query
// (GET <url>/api/v1/query?query=...).
//
// A scalar or a vector of exactly one sample is the value. An empty vector, several
// series, a range vector, NaN or infinity, a non-200 answer or a body that is not
// Prometheus's JSON is a failed read whose message says which.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_PROMETHEUS_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_PROMETHEUS_SOURCE_H_

#include <memory>
#include <string_view>

#include "controller/demand/demand_source.h"
#include "controller/demand/http_target.h"

namespace httplib {
class Client;
}

namespace microscale {

// The demand in an answer of /api/v1/query with HTTP status `http_status`.
absl::StatusOr<double> ParsePrometheusAnswer(int http_status, std::string_view body);

class PrometheusDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the URL or the query cannot be used.
  static absl::StatusOr<std::unique_ptr<PrometheusDemandSource>> Create(
      const PrometheusDemand& spec, absl::Duration timeout);
  ~PrometheusDemandSource() override;

  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  PrometheusDemandSource(const PrometheusDemand& spec, demand_internal::HttpTarget target,
                         absl::Duration timeout);

  PrometheusDemand spec_;
  demand_internal::HttpTarget target_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_PROMETHEUS_SOURCE_H_
