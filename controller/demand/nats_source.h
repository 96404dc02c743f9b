// NatsDemandSource: demand is a NATS JetStream consumer's messages not yet delivered
// (num_pending) plus those delivered and not yet acknowledged (num_ack_pending: still work),
// from the server's monitoring endpoint: GET {monitorUrl}/jsz?consumers=true.
//
// The monitoring endpoint reports the streams and consumers of the server it is asked; in a
// JetStream cluster, point monitorUrl at a server that holds the stream.
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_NATS_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_NATS_SOURCE_H_

#include <memory>
#include <string>
#include <string_view>

#include "controller/demand/demand_source.h"
#include "controller/demand/http_target.h"

namespace httplib {
class Client;
}

namespace microscale {

// The demand in an answer of /jsz?consumers=true about spec's stream and consumer (in spec's
// account when one is named): a 200 answer where the consumer has num_pending and
// num_ack_pending. JetStream not enabled, an account, stream or consumer not found (with the
// names that exist), and a malformed answer are each refused with a message that says which;
// 5xx is Unavailable.
absl::StatusOr<double> ParseNatsJsz(int http_status, std::string_view body, const NatsDemand& spec);

class NatsDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the URL cannot be used or the stream or consumer is empty.
  static absl::StatusOr<std::unique_ptr<NatsDemandSource>> Create(const NatsDemand& spec,
                                                                  absl::Duration timeout);
  ~NatsDemandSource() override;

  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  NatsDemandSource(const NatsDemand& spec, const demand_internal::HttpTarget& target,
                   absl::Duration timeout);

  NatsDemand spec_;
  std::string path_;  // /jsz with its query
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_NATS_SOURCE_H_
