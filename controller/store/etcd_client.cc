#include "controller/store/etcd_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace microscale {
namespace {

constexpr std::string_view kScheme = "etcd://";

// Reads of a whole prefix that find their revision compacted (or not yet on the member)
// start over this many times.
constexpr int kRangeAttempts = 3;

// The largest answer taken from etcd (gRPC's default is 4 MiB).
constexpr int kMaxAnswerBytes = 64 << 20;

// host:port with a port 1..65535; the host a name, an IPv4 address or [IPv6].
bool IsHostPort(std::string_view endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = endpoint.substr(0, colon);
  if (host.front() == '[' ? host.back() != ']' : host.find_first_of(":/[]") != host.npos) {
    return false;
  }
  int port = 0;
  return absl::SimpleAtoi(ToAbsl(endpoint.substr(colon + 1)), &port) && port >= 1 &&
         port <= 65535 &&
         endpoint.substr(colon + 1).find_first_not_of("0123456789") == std::string_view::npos;
}

bool Unreachable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// Whether etcd hung up while the connection was being set up, as gRPC words it. The
// usual cause is a mismatch of TLS: a plaintext client of an etcd that serves TLS, or a
// TLS client without the certificate that etcd's --client-cert-auth asks for.
bool HungUp(const grpc::Status& status) {
  const std::string& message = status.error_message();
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         (absl::StrContains(message, "Socket closed") ||
          absl::StrContains(message, "Endpoint read failed") ||
          absl::StrContains(message, "Connection reset"));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseEtcdUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(why), " (got \"", ToAbsl(url), "\")"));
  };
  if (url.substr(0, kScheme.size()) != kScheme) {
    return bad("must be sqlite or etcd://host:port[,host:port...]");
  }
  std::vector<std::string> endpoints;
  for (absl::string_view piece : absl::StrSplit(ToAbsl(url.substr(kScheme.size())), ',')) {
    std::string_view endpoint = ToStd(piece);
    if (endpoint.empty()) return bad("an etcd endpoint is empty");
    if (!IsHostPort(endpoint)) {
      return bad(absl::StrCat("etcd endpoint \"", ToAbsl(endpoint),
                              "\" must be host:port with a port from 1 to 65535"));
    }
    endpoints.emplace_back(endpoint);
  }
  return endpoints;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key: etcd reads "\0" as the end of the key space
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints,
                       std::shared_ptr<grpc::ChannelCredentials> credentials,
                       absl::Duration timeout)
    : endpoints_(std::move(endpoints)),
      timeout_(timeout),
      hang_up_hint_(credentials == nullptr
                        ? " (etcd closed a plaintext connection: an etcd that serves TLS needs "
                          "--etcd-tls-ca)"
                        : " (etcd closed the TLS connection: an etcd with --client-cert-auth "
                          "needs a client certificate signed by its --trusted-ca-file, given "
                          "as --etcd-tls-cert and --etcd-tls-key)") {
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  // A page of a read (kRangePageKeys records) of unusually large records still fits.
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxAnswerBytes);
  for (const std::string& address : endpoints_) {
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(address, credentials, arguments);
    stubs_.push_back({address, etcdserverpb::KV::NewStub(channel),
                      etcdserverpb::Lease::NewStub(channel),
                      etcdserverpb::Watch::NewStub(channel)});
  }
}

absl::Status EtcdClient::OnSomeEndpoint(
    std::string_view what,
    const std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>& call) {
  size_t first;
  {
    absl::MutexLock lock(&mu_);
    first = current_;
  }
  std::vector<std::string> failures;
  for (size_t i = 0; i < stubs_.size(); ++i) {
    Endpoint& endpoint = stubs_[(first + i) % stubs_.size()];
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    grpc::Status status = call(endpoint, context);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      current_ = (first + i) % stubs_.size();
      return absl::OkStatus();
    }
    if (!Unreachable(status)) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("etcd at ", endpoint.address, " refused ", ToAbsl(what),
                                       ": ", status.error_message()));
    }
    failures.push_back(absl::StrCat(endpoint.address, ": ", status.error_message(),
                                    HungUp(status) ? hang_up_hint_ : ""));
  }
  return absl::UnavailableError(
      absl::StrCat("etcd did not answer ", ToAbsl(what), " (", absl::StrJoin(failures, "; "), ")"));
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request) {
  etcdserverpb::RangeResponse response;
  absl::Status status = OnSomeEndpoint("a read", [&](Endpoint& e, grpc::ClientContext& context) {
    return e.kv->Range(&context, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::RangePrefix(std::string_view prefix) {
  absl::Status last;
  // A page may find its revision compacted, or not yet applied by the member another page
  // was read from: the read starts over at the newest revision.
  for (int attempt = 0; attempt < kRangeAttempts; ++attempt) {
    etcdserverpb::RangeRequest request;
    request.set_key(std::string(prefix));
    request.set_range_end(PrefixEnd(prefix));
    request.set_limit(kRangePageKeys);
    etcdserverpb::RangeResponse all;
    for (;;) {
      absl::StatusOr<etcdserverpb::RangeResponse> page = Range(request);
      if (!page.ok()) {
        last = page.status();
        break;
      }
      if (request.revision() == 0) {
        *all.mutable_header() = page->header();
        request.set_revision(page->header().revision());
      }
      for (mvccpb::KeyValue& kv : *page->mutable_kvs()) *all.add_kvs() = std::move(kv);
      if (!page->more() || all.kvs().empty()) {
        all.set_count(all.kvs_size());
        return all;
      }
      request.set_key(all.kvs(all.kvs_size() - 1).key() + '\0');  // the next key after it
    }
    if (last.code() != absl::StatusCode::kOutOfRange) return last;
  }
  return last;
}

std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>>
EtcdClient::Watch(grpc::ClientContext& context) {
  size_t current;
  {
    absl::MutexLock lock(&mu_);
    current = current_;
  }
  return stubs_[current].watch->Watch(&context);
}

absl::StatusOr<int64_t> EtcdClient::Probe(std::string_view prefix) {
  etcdserverpb::RangeRequest request;
  request.set_key(std::string(prefix));
  request.set_range_end(PrefixEnd(prefix));
  request.set_limit(1);
  request.set_keys_only(true);
  absl::StatusOr<etcdserverpb::RangeResponse> read = Range(request);
  if (!read.ok()) return read.status();
  return read->header().revision();
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(const etcdserverpb::TxnRequest& request) {
  etcdserverpb::TxnResponse response;
  absl::Status status =
      OnSomeEndpoint("a transaction", [&](Endpoint& e, grpc::ClientContext& context) {
        return e.kv->Txn(&context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<etcdserverpb::LeaseGrantResponse> EtcdClient::LeaseGrant(int64_t ttl_seconds) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  etcdserverpb::LeaseGrantResponse response;
  absl::Status status =
      OnSomeEndpoint("a lease grant", [&](Endpoint& e, grpc::ClientContext& context) {
        return e.lease->LeaseGrant(&context, request, &response);
      });
  if (!status.ok()) return status;
  if (!response.error().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("etcd refused a lease: ", response.error()));
  }
  return response;
}

absl::Status EtcdClient::LeaseRevoke(int64_t lease) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseRevokeResponse response;
  return OnSomeEndpoint("a lease revoke", [&](Endpoint& e, grpc::ClientContext& context) {
    return e.lease->LeaseRevoke(&context, request, &response);
  });
}

absl::StatusOr<int64_t> EtcdClient::LeaseKeepAliveOnce(int64_t lease) {
  etcdserverpb::LeaseKeepAliveResponse response;
  bool answered = false;
  absl::Status status =
      OnSomeEndpoint("a lease keep-alive", [&](Endpoint& e, grpc::ClientContext& context) {
        auto stream = e.lease->LeaseKeepAlive(&context);
        etcdserverpb::LeaseKeepAliveRequest request;
        request.set_id(lease);
        if (stream->Write(request)) answered = stream->Read(&response);
        stream->WritesDone();
        if (answered) context.TryCancel();  // the stream's job is done
        grpc::Status finish = stream->Finish();
        return answered ? grpc::Status::OK : finish;
      });
  if (!status.ok()) return status;
  return response.ttl();
}

}  // namespace microscale
