// RabbitMqDemandSource: demand is a RabbitMQ queue's messages ready plus unacknowledged
// (delivered to a consumer, not yet acknowledged: still work), from the management
// plugin's HTTP API: GET {url}/api/queues/{vhost}/{queue} with basic auth, the vhost and
// queue names percent-encoded ("/" is "%2F").
//
// RabbitMQ publishes a queue's counts every collect_statistics_interval (5 s by default):
// a queue declared a moment ago has none yet, which is a failed read, not a demand of 0.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_RABBITMQ_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_RABBITMQ_SOURCE_H_

#include <memory>
#include <string>
#include <string_view>

#include "controller/demand/demand_source.h"
#include "controller/demand/http_target.h"

namespace httplib {
class Client;
}

namespace microscale {

// Every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX.
std::string PercentEncode(std::string_view text);

// The demand in an answer of the management API about `queue` in `vhost`: a 200 answer
// with messages_ready and messages_unacknowledged. 401 names the credentials, 404 the
// queue and vhost, 5xx is Unavailable; every refusal says which.
absl::StatusOr<double> ParseRabbitMqQueue(int http_status, std::string_view body,
                                          const RabbitMqDemand& spec);

class RabbitMqDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the URL, the vhost or the queue cannot be used.
  static absl::StatusOr<std::unique_ptr<RabbitMqDemandSource>> Create(const RabbitMqDemand& spec,
                                                                      absl::Duration timeout);
  ~RabbitMqDemandSource() override;

  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  RabbitMqDemandSource(const RabbitMqDemand& spec, const demand_internal::HttpTarget& target,
                       absl::Duration timeout);

  RabbitMqDemand spec_;
  std::string path_;  // of the queue's resource
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_RABBITMQ_SOURCE_H_
