#include "controller/server/leader_election.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/backoff.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace microscale {
namespace {

constexpr absl::Duration kStandbyPoll = absl::Milliseconds(250);

}  // namespace

LeaderElection::LeaderElection(std::shared_ptr<EtcdClient> client, LeaderElectionOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

LeaderElection::~LeaderElection() { Resign(); }

absl::Status LeaderElection::Campaign(const std::function<bool(absl::Duration)>& wait) {
  Backoff backoff(BackoffOptions{.initial = absl::Seconds(1), .max = absl::Seconds(10)});
  std::string leader_seen;
  for (;;) {
    // A standby holds no lease: it asks for one only once the key is gone.
    etcdserverpb::RangeRequest read;
    read.set_key(options_.key);
    absl::StatusOr<etcdserverpb::RangeResponse> current = client_->Range(read);
    absl::Status failed = current.status();
    if (current.ok() && current->kvs_size() > 0) {
      if (current->kvs(0).value() != leader_seen) {
        leader_seen = current->kvs(0).value();
        LogInfo("standby: another controller leads", {{"leader", leader_seen}});
      }
      if (!wait(kStandbyPoll)) return absl::CancelledError("stopped while standing by");
      continue;
    }
    if (current.ok()) {
      absl::StatusOr<etcdserverpb::LeaseGrantResponse> lease =
          client_->LeaseGrant(absl::ToInt64Seconds(options_.lease));
      failed = lease.status();
      if (lease.ok()) {
        etcdserverpb::TxnRequest claim;
        etcdserverpb::Compare* absent = claim.add_compare();
        absent->set_key(options_.key);
        absent->set_target(etcdserverpb::Compare::CREATE);
        absent->set_result(etcdserverpb::Compare::EQUAL);
        absent->set_create_revision(0);
        etcdserverpb::PutRequest* put = claim.add_success()->mutable_request_put();
        put->set_key(options_.key);
        put->set_value(options_.identity);
        put->set_lease(lease->id());
        absl::StatusOr<etcdserverpb::TxnResponse> won = client_->Txn(claim);
        failed = won.status();
        if (won.ok() && won->succeeded()) {
          lease_ = lease->id();
          create_revision_ = won->header().revision();
          LogInfo("leading", {{"key", options_.key}, {"revision", create_revision_}});
          return absl::OkStatus();
        }
        (void)client_->LeaseRevoke(lease->id());  // another controller was faster
        if (won.ok()) continue;
      }
    }
    absl::Duration delay = backoff.Next();
    LogWarn("cannot campaign for leadership", {{"error", failed}, {"retry_in", delay}});
    if (!wait(delay)) return absl::CancelledError("stopped while campaigning");
  }
}

void LeaderElection::KeepLeading(std::function<void()> on_lost) {
  on_lost_ = std::move(on_lost);
  keeper_ = std::thread([this] {
    NameThisThread("leader-lease");
    KeepAliveLoop();
  });
}

void LeaderElection::KeepAliveLoop() {
  absl::Time renewed = absl::Now();
  std::string why;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.lease / 3)) return;
    }
    absl::StatusOr<int64_t> ttl = client_->LeaseKeepAliveOnce(lease_);
    if (ttl.ok() && *ttl > 0) {
      etcdserverpb::RangeRequest read;
      read.set_key(options_.key);
      absl::StatusOr<etcdserverpb::RangeResponse> held = client_->Range(read);
      if (held.ok() &&
          (held->kvs_size() == 0 || held->kvs(0).create_revision() != create_revision_)) {
        why = "the leader key is gone or belongs to another leadership";
        break;
      }
      renewed = absl::Now();
      continue;
    }
    if (ttl.ok()) {
      why = "etcd says the lease has expired";
      break;
    }
    if (absl::Now() - renewed >= options_.lease) {
      why = absl::StrCat("the lease could not be renewed for ",
                         absl::FormatDuration(options_.lease), ": ", ttl.status().message());
      break;
    }
  }
  LogError("lost leadership; stopping", {{"reason", why}});
  if (on_lost_) on_lost_();
}

void LeaderElection::Resign() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (keeper_.joinable()) keeper_.join();
  if (lease_ != 0) {
    absl::Status revoked = client_->LeaseRevoke(lease_);
    if (!revoked.ok()) LogWarn("cannot revoke the leader lease", {{"error", revoked}});
    lease_ = 0;
  }
}

}  // namespace microscale
