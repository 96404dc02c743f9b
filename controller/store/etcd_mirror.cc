#include "controller/store/etcd_mirror.h"

#include <algorithm>
#include <utility>

#include "common/backoff.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace microscale {

EtcdMirror::EtcdMirror(std::shared_ptr<EtcdClient> client, std::string prefix)
    : client_(std::move(client)), prefix_(std::move(prefix)) {}

EtcdMirror::~EtcdMirror() { Stop(); }

void EtcdMirror::Start() {
  absl::MutexLock start(&start_mu_);
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    running_ = true;
  }
  thread_ = std::thread([this] {
    NameThisThread("etcd-mirror");
    Run();
  });
}

void EtcdMirror::Stop() {
  absl::MutexLock start(&start_mu_);
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (watching_ != nullptr) watching_->TryCancel();
  }
  thread_.join();
  absl::MutexLock lock(&mu_);
  stopping_ = false;
  running_ = false;
  kvs_.clear();
  revision_ = 0;
}

int64_t EtcdMirror::revision() const {
  absl::MutexLock lock(&mu_);
  return revision_;
}

bool EtcdMirror::WaitFor(int64_t revision, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto holds = [this, revision]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !running_ || revision_ >= revision;
  };
  mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
  return running_ && revision_ >= revision;
}

etcdserverpb::RangeResponse EtcdMirror::Range(std::string_view prefix) const {
  etcdserverpb::RangeResponse out;
  absl::MutexLock lock(&mu_);
  out.mutable_header()->set_revision(revision_);
  for (auto it = kvs_.lower_bound(std::string(prefix));
       it != kvs_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix; ++it) {
    *out.add_kvs() = it->second;
  }
  out.set_count(out.kvs_size());
  return out;
}

void EtcdMirror::Run() {
  // Failures are logged once until the copy follows etcd again.
  Backoff backoff;
  bool whole = true;
  for (;;) {
    if (whole) {
      if (!ReadWhole(backoff.attempts() == 0)) {
        if (!Pause(backoff.Next())) return;
        continue;
      }
      whole = false;
      backoff.Reset();
    }
    bool followed = false;
    switch (Follow(backoff.attempts() == 0, followed)) {
      case WatchEnd::kStopped:
        return;
      case WatchEnd::kCompacted:
        whole = true;
        backoff.Reset();
        break;
      case WatchEnd::kBroken:
        if (followed) backoff.Reset();
        if (!Pause(backoff.Next())) return;
        // A read moves the client to an endpoint that answers, for the next watch.
        client_->Probe(prefix_).IgnoreError();
        break;
    }
  }
}

bool EtcdMirror::ReadWhole(bool report) {
  absl::StatusOr<etcdserverpb::RangeResponse> read = client_->RangePrefix(prefix_);
  if (!read.ok()) {
    if (report) {
      LogWarn("the standby's copy of the state cannot read etcd; trying again",
              {{"error", read.status()}});
    }
    return false;
  }
  std::map<std::string, mvccpb::KeyValue> kvs;
  for (mvccpb::KeyValue& kv : *read->mutable_kvs()) {
    std::string key = kv.key();
    kvs.emplace(std::move(key), std::move(kv));
  }
  absl::MutexLock lock(&mu_);
  kvs_ = std::move(kvs);
  revision_ = read->header().revision();
  return true;
}

EtcdMirror::WatchEnd EtcdMirror::Follow(bool report, bool& followed) {
  grpc::ClientContext context;
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
  create->set_key(prefix_);
  create->set_range_end(PrefixEnd(prefix_));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return WatchEnd::kStopped;
    watching_ = &context;
    create->set_start_revision(revision_ + 1);
  }
  WatchEnd end = WatchEnd::kBroken;
  auto stream = client_->Watch(context);
  if (stream->Write(request)) {
    etcdserverpb::WatchResponse response;
    while (stream->Read(&response)) {
      if (response.compact_revision() > 0) {
        LogInfo(
            "etcd compacted the changes the standby's copy of the state needs; reading it "
            "whole again",
            {{"compacted_to", response.compact_revision()}});
        end = WatchEnd::kCompacted;
        break;
      }
      if (response.canceled()) break;
      followed = true;
      Apply(response);
    }
  }
  context.TryCancel();
  grpc::Status finished = stream->Finish();
  absl::MutexLock lock(&mu_);
  watching_ = nullptr;
  if (stopping_) return WatchEnd::kStopped;
  if (end == WatchEnd::kBroken && (report || followed)) {
    LogWarn("the standby's watch of etcd ended; opening it again",
            {{"error", finished.error_message()}});
  }
  return end;
}

void EtcdMirror::Apply(const etcdserverpb::WatchResponse& response) {
  absl::MutexLock lock(&mu_);
  // Each event's own revision: a response's header may name a later revision than its
  // events while the watch still catches up.
  for (const mvccpb::Event& event : response.events()) {
    if (event.type() == mvccpb::Event::DELETE) {
      kvs_.erase(event.kv().key());
    } else {
      kvs_[event.kv().key()] = event.kv();
    }
    revision_ = std::max(revision_, event.kv().mod_revision());
  }
}

bool EtcdMirror::Pause(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  return !mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
}

}  // namespace microscale
