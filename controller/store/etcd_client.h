// EtcdClient: the calls of etcd v3's public gRPC API (KV, Lease) that the etcd state store
// and leader election make, over the project's gRPC, on one of several endpoints.
//
// A call goes to the endpoint that answered last; when it is unreachable or does not answer
// within the timeout, the next endpoint is tried, once around the list. Errors name etcd
// and the endpoint: Unavailable when none answered, the server's own code otherwise (for
// example InvalidArgument for a transaction with more operations than etcd's
// --max-txn-ops). A TLS handshake that fails says why (a certificate that does not verify);
// an endpoint that hangs up on a new connection, the sign of a TLS mismatch, is named
// with the controller's --etcd-tls-* flags that fix one.
// Thread-safety: every method is safe to call concurrently.
#ifndef MICROSCALE_CONTROLLER_STORE_ETCD_CLIENT_H_
#define MICROSCALE_CONTROLLER_STORE_ETCD_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/rpc.grpc.pb.h"

namespace microscale {

// The endpoints of `--store etcd://host:port[,host:port...]`. InvalidArgument with the
// reason (for the caller to put after the flag's name) when the value has another scheme,
// no endpoint, or an endpoint that is not host:port with a port 1..65535.
absl::StatusOr<std::vector<std::string>> ParseEtcdUrl(std::string_view url);

// The end of the range of every key that starts with `prefix` (its last byte + 1, carried).
std::string PrefixEnd(std::string_view prefix);

class EtcdClient {
 public:
  // `credentials` (nullptr: plaintext) apply to every endpoint; `timeout` bounds each call.
  EtcdClient(std::vector<std::string> endpoints,
             std::shared_ptr<grpc::ChannelCredentials> credentials, absl::Duration timeout);

  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request);
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(int64_t ttl_seconds);
  absl::Status LeaseRevoke(int64_t lease);
  // One keep-alive of `lease`: its remaining TTL in seconds, 0 when the lease is gone.
  absl::StatusOr<int64_t> LeaseKeepAliveOnce(int64_t lease);

  // Every key under `prefix`, sorted by key, read at one revision. Read in pages of
  // kRangePageKeys keys (all at the revision of the first), so a prefix of any size is read
  // whole: a single answer of 100,000 records would pass gRPC's limit on one message.
  // `count` in the result is the number of keys read.
  absl::StatusOr<etcdserverpb::RangeResponse> RangePrefix(std::string_view prefix);
  static constexpr int64_t kRangePageKeys = 1000;
  // Whether etcd answers a read of `prefix` (one key at most is read), and the store's
  // revision when it did.
  absl::StatusOr<int64_t> Probe(std::string_view prefix);

  // A Watch stream on the endpoint that answered last. `context` must outlive the stream;
  // its TryCancel ends the stream from any thread.
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>>
  Watch(grpc::ClientContext& context);

  const std::vector<std::string>& endpoints() const { return endpoints_; }

 private:
  struct Endpoint {
    std::string address;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  };
  // Runs `call` on the current endpoint, then on the others while they are unreachable.
  absl::Status OnSomeEndpoint(
      std::string_view what,
      const std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>& call);

  std::vector<std::string> endpoints_;
  absl::Duration timeout_;
  std::string hang_up_hint_;  // after the error of an endpoint that hung up
  std::vector<Endpoint> stubs_;
  absl::Mutex mu_;
  size_t current_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_ETCD_CLIENT_H_
