#include "controller/server/controller_roster.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace microscale {
namespace {

std::string RosterPrefix(std::string_view prefix) { return std::string(prefix) + "controllers/"; }

}  // namespace

v1::ControllerInfo ThisController(std::string address) {
  v1::ControllerInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) info.set_name(host);
  info.set_address(std::move(address));
  info.set_since_unix_ms(absl::ToUnixMillis(absl::Now()));
  return info;
}

absl::StatusOr<std::string> LeaderAddress(EtcdClient& client, std::string_view prefix) {
  etcdserverpb::RangeRequest read;
  read.set_key(std::string(prefix) + "leader");
  absl::StatusOr<etcdserverpb::RangeResponse> leader = client.Range(read);
  if (!leader.ok()) return leader.status();
  if (leader->kvs_size() == 0) return std::string();
  return leader->kvs(0).value();
}

absl::StatusOr<std::vector<v1::ControllerInfo>> ListControllers(EtcdClient& client,
                                                                std::string_view prefix) {
  absl::StatusOr<std::string> leader = LeaderAddress(client, prefix);
  if (!leader.ok()) return leader.status();
  absl::StatusOr<etcdserverpb::RangeResponse> listed = client.RangePrefix(RosterPrefix(prefix));
  if (!listed.ok()) return listed.status();
  std::vector<v1::ControllerInfo> controllers;
  bool leader_listed = false;
  for (const mvccpb::KeyValue& kv : listed->kvs()) {
    v1::ControllerInfo info;
    if (!info.ParseFromString(kv.value()) || info.address().empty()) continue;  // not ours
    const bool leads = info.address() == *leader;
    info.set_role(leads ? v1::LEADER : v1::STANDBY);
    leader_listed |= leads;
    controllers.push_back(std::move(info));
  }
  if (!leader->empty() && !leader_listed) {
    v1::ControllerInfo info;
    info.set_address(*leader);
    info.set_role(v1::LEADER);
    controllers.push_back(std::move(info));
  }
  std::sort(controllers.begin(), controllers.end(),
            [](const v1::ControllerInfo& a, const v1::ControllerInfo& b) {
              if (a.role() != b.role()) return a.role() == v1::LEADER;
              return a.address() < b.address();
            });
  return controllers;
}

ControllerRoster::ControllerRoster(std::shared_ptr<EtcdClient> client, const std::string& prefix,
                                   v1::ControllerInfo self, absl::Duration lease)
    : client_(std::move(client)),
      key_(RosterPrefix(prefix) + self.address()),
      lease_ttl_(std::max(lease, absl::Seconds(1))),
      self_(std::move(self)) {}

ControllerRoster::~ControllerRoster() { Leave(); }

void ControllerRoster::Join() {
  {
    absl::MutexLock lock(&mu_);
    self_.set_since_unix_ms(absl::ToUnixMillis(absl::Now()));
    List();
  }
  keeper_ = std::thread([this] {
    NameThisThread("roster");
    KeepListed();
  });
}

void ControllerRoster::RoleChanged() {
  absl::MutexLock lock(&mu_);
  self_.set_since_unix_ms(absl::ToUnixMillis(absl::Now()));
  if (lease_ == 0) return;  // the keep-alive lists it with the new time
  etcdserverpb::TxnRequest put;
  etcdserverpb::PutRequest* op = put.add_success()->mutable_request_put();
  op->set_key(key_);
  op->set_value(self_.SerializeAsString());
  op->set_lease(lease_);
  if (absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(put); !done.ok()) {
    LogWarn("cannot update this controller in the controller list", {{"error", done.status()}});
  }
}

bool ControllerRoster::List() {
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> lease =
      client_->LeaseGrant(absl::ToInt64Seconds(lease_ttl_));
  absl::Status failed = lease.status();
  if (lease.ok()) {
    etcdserverpb::TxnRequest put;
    etcdserverpb::PutRequest* op = put.add_success()->mutable_request_put();
    op->set_key(key_);
    op->set_value(self_.SerializeAsString());
    op->set_lease(lease->id());
    absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(put);
    if (done.ok()) {
      lease_ = lease->id();
      return true;
    }
    failed = done.status();
    (void)client_->LeaseRevoke(lease->id());
  }
  LogWarn("cannot list this controller in the controller list; trying again",
          {{"key", key_}, {"error", failed}});
  lease_ = 0;
  return false;
}

void ControllerRoster::KeepListed() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), lease_ttl_ / 3)) {
    if (lease_ == 0) {
      List();
      continue;
    }
    absl::StatusOr<int64_t> ttl = client_->LeaseKeepAliveOnce(lease_);
    if (ttl.ok() && *ttl == 0) List();  // etcd lost the lease, and the key with it
  }
}

void ControllerRoster::Leave() {
  int64_t lease = 0;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    lease = lease_;
    lease_ = 0;
  }
  if (keeper_.joinable()) keeper_.join();
  if (lease != 0) (void)client_->LeaseRevoke(lease);  // the key goes with it
}

}  // namespace microscale
