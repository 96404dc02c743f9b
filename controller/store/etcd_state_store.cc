#include "controller/store/etcd_state_store.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "controller/store/store_rules.h"
#include "microscale/v1/store.pb.h"

namespace microscale {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RequestOp;
using store_internal::AppNotFound;
using store_internal::InstanceOrdinal;

// Compare-and-swap writes that keep meeting a concurrent writer give up after this many.
constexpr int kAttempts = 8;

constexpr std::string_view kApps = "apps/";
constexpr std::string_view kDemand = "demand/";
constexpr std::string_view kCordons = "cordons/";
constexpr std::string_view kAssignments = "assignments/";
constexpr std::string_view kOrdinals = "ordinals/";
constexpr std::string_view kTokens = "tokens/";
constexpr std::string_view kDraining = "draining";

RequestOp Put(std::string key, std::string value) {
  RequestOp op;
  op.mutable_request_put()->set_key(std::move(key));
  op.mutable_request_put()->set_value(std::move(value));
  return op;
}

RequestOp Delete(std::string key) {
  RequestOp op;
  op.mutable_request_delete_range()->set_key(std::move(key));
  return op;
}

RequestOp Get(std::string key) {
  RequestOp op;
  op.mutable_request_range()->set_key(std::move(key));
  return op;
}

// `key` was last changed at `mod_revision` (0: it does not exist).
Compare Unchanged(std::string key, int64_t mod_revision) {
  Compare compare;
  compare.set_key(std::move(key));
  compare.set_target(Compare::MOD);
  compare.set_result(Compare::EQUAL);
  compare.set_mod_revision(mod_revision);
  return compare;
}

// `key` exists (exists = true) or not.
Compare Exists(std::string key, bool exists) {
  Compare compare;
  compare.set_key(std::move(key));
  compare.set_target(Compare::VERSION);
  compare.set_result(exists ? Compare::GREATER : Compare::EQUAL);
  compare.set_version(0);
  return compare;
}

absl::Time FromMicros(int64_t micros) { return absl::FromUnixMicros(micros); }

absl::Status Corrupt(const std::string& key) {
  return absl::DataLossError(absl::StrCat("etcd holds a record that does not parse at ", key));
}

absl::StatusOr<StoredApp> AppFromKv(const mvccpb::KeyValue& kv) {
  v1::StoredAppRecord record;
  if (!record.ParseFromString(kv.value())) return Corrupt(kv.key());
  return StoredApp{record.spec(), FromMicros(record.created_unix_micros()), record.generation()};
}

std::string AppRecord(const StoredApp& app) {
  v1::StoredAppRecord record;
  *record.mutable_spec() = app.spec;
  record.set_created_unix_micros(absl::ToUnixMicros(app.created));
  record.set_generation(app.generation);
  return record.SerializeAsString();
}

// The value kept for a static demand, a cordon mark and a token: written the same way by
// every write and by ImportSnapshot.
std::string DemandValue(double value) { return absl::StrFormat("%.17g", value); }

std::string CordonValue(bool draining) {
  return draining ? std::string(kDraining) : std::string("cordoned");
}

std::string TokenRecord(const StoredToken& token) {
  v1::StoredTokenRecord record;
  record.set_role(token.role);
  record.set_hash(token.hash);
  record.set_created_unix_micros(absl::ToUnixMicros(token.created));
  return record.SerializeAsString();
}

}  // namespace

EtcdStateStore::EtcdStateStore(std::shared_ptr<EtcdClient> client, std::string prefix, Clock& clock)
    : client_(std::move(client)), prefix_(std::move(prefix)), clock_(clock) {}

void EtcdStateStore::FenceOn(std::string key, int64_t create_revision,
                             std::function<void()> on_lost) {
  absl::MutexLock lock(&fence_mu_);
  fence_ = Fence{std::move(key), create_revision, std::move(on_lost)};
}

absl::Status EtcdStateStore::ClaimFor(std::string_view cluster) {
  const std::string key = absl::StrCat(prefix_, "cluster");
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse done,
                   Commit({Exists(key, false)}, {Put(key, std::string(cluster))}, {Get(key)}));
  if (done.succeeded()) return absl::OkStatus();
  const etcdserverpb::RangeResponse& held = done.responses(0).response_range();
  if (held.kvs_size() > 0 && held.kvs(0).value() != cluster) {
    return absl::FailedPreconditionError(
        absl::StrCat("etcd prefix ", prefix_, " holds the state of cluster \"", held.kvs(0).value(),
                     "\", not \"", ToAbsl(cluster), "\" (check --etcd-prefix and --cluster-name)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> EtcdStateStore::ImportSnapshot(const StateSnapshot& snapshot,
                                                       std::string_view cluster) {
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse existing, client_->RangePrefix(prefix_));
  if (existing.kvs_size() > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "etcd prefix ", prefix_, " is not empty (", existing.kvs_size(), " keys, e.g. ",
        existing.kvs(0).key(),
        "): migrate copies into an empty prefix only; choose another --etcd-prefix, or remove "
        "the old state with `etcdctl del --prefix ",
        prefix_, "` if it is really unused"));
  }
  std::vector<RequestOp> puts;
  for (const StoredApp& app : snapshot.apps)
    puts.push_back(Put(Key(kApps, app.spec.name()), AppRecord(app)));
  for (const auto& [app, value] : snapshot.static_demands) {
    puts.push_back(Put(Key(kDemand, app), DemandValue(value)));
  }
  for (const std::string& node : snapshot.cordons) {
    puts.push_back(Put(Key(kCordons, node), CordonValue(snapshot.draining.contains(node))));
  }
  for (const v1::Container& c : snapshot.assignments) {
    puts.push_back(Put(Key(kAssignments, c.instance()), c.SerializeAsString()));
  }
  for (const auto& [app, next] : snapshot.next_ordinals) {
    puts.push_back(Put(Key(kOrdinals, app), absl::StrCat(next)));
  }
  for (const StoredToken& token : snapshot.tokens) {
    puts.push_back(Put(Key(kTokens, token.name), TokenRecord(token)));
  }
  const std::string cluster_key = absl::StrCat(prefix_, "cluster");
  puts.push_back(Put(cluster_key, std::string(cluster)));
  const int64_t total = static_cast<int64_t>(puts.size());
  // Each transaction also requires that no cluster mark exists yet: a controller that
  // claims the prefix meanwhile stops the copy.
  for (size_t start = 0; start < puts.size(); start += kMaxOpsPerTxn) {
    size_t end = std::min(puts.size(), start + kMaxOpsPerTxn);
    std::vector<RequestOp> chunk(
        std::make_move_iterator(puts.begin() + static_cast<ptrdiff_t>(start)),
        std::make_move_iterator(puts.begin() + static_cast<ptrdiff_t>(end)));
    Committed done = Commit({Exists(cluster_key, false)}, std::move(chunk));
    absl::Status failed = done.ok() ? absl::OkStatus() : done.status();
    if (failed.ok() && !done->succeeded()) {
      failed = absl::AbortedError(
          absl::StrCat("etcd prefix ", prefix_, " was claimed by a controller during the copy"));
    }
    if (!failed.ok()) {
      // Leave the prefix as it was: empty (a claim made meanwhile is not ours to remove).
      etcdserverpb::TxnRequest undo;
      *undo.add_compare() = Exists(cluster_key, false);
      RequestOp remove;
      remove.mutable_request_delete_range()->set_key(prefix_);
      remove.mutable_request_delete_range()->set_range_end(PrefixEnd(prefix_));
      *undo.add_success() = std::move(remove);
      absl::StatusOr<etcdserverpb::TxnResponse> undone = client_->Txn(undo);
      return absl::Status(
          failed.code(),
          absl::StrCat(failed.message(), " (", start, " of ", total, " keys were written; ",
                       undone.ok() && undone->succeeded() ? "they were removed again"
                                                          : "remove them before a new try",
                       ")"));
    }
  }
  return total;
}

std::string EtcdStateStore::Key(std::string_view kind, std::string_view name) const {
  return absl::StrCat(prefix_, ToAbsl(kind), ToAbsl(name));
}

void EtcdStateStore::ReadFirstFrom(std::shared_ptr<const EtcdMirror> mirror) {
  absl::MutexLock lock(&warm_mu_);
  warm_ = std::move(mirror);
}

void EtcdStateStore::EndWarmReads() {
  absl::MutexLock lock(&warm_mu_);
  warm_ = nullptr;
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdStateStore::Read(std::string_view kind) const {
  {
    absl::MutexLock lock(&warm_mu_);
    if (warm_ != nullptr) return warm_->Range(Key(kind, ""));
  }
  return client_->RangePrefix(Key(kind, ""));
}

EtcdStateStore::Committed EtcdStateStore::Commit(std::vector<Compare> compares,
                                                 std::vector<RequestOp> success,
                                                 std::vector<RequestOp> failure) {
  EndWarmReads();  // what this write changes is read from etcd again
  std::optional<Fence> fence;
  {
    absl::MutexLock lock(&fence_mu_);
    fence = fence_;
  }
  etcdserverpb::TxnRequest request;
  if (fence) {
    Compare held;
    held.set_key(fence->key);
    held.set_target(Compare::CREATE);
    held.set_result(Compare::EQUAL);
    held.set_create_revision(fence->create_revision);
    compares.push_back(std::move(held));
    failure.push_back(Get(fence->key));
  }
  for (Compare& c : compares) *request.add_compare() = std::move(c);
  for (RequestOp& op : success) *request.add_success() = std::move(op);
  for (RequestOp& op : failure) *request.add_failure() = std::move(op);
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse response, client_->Txn(request));
  if (!response.succeeded() && fence) {
    const etcdserverpb::RangeResponse& leader =
        response.responses(response.responses_size() - 1).response_range();
    if (leader.kvs_size() == 0 || leader.kvs(0).create_revision() != fence->create_revision) {
      std::function<void()> on_lost;
      {
        absl::MutexLock lock(&fence_mu_);
        if (fence_) on_lost = std::exchange(fence_->on_lost, nullptr);
      }
      if (on_lost) on_lost();
      return absl::FailedPreconditionError(
          absl::StrCat("this controller no longer holds leadership (", fence->key,
                       " changed in etcd); the write was not made"));
    }
  }
  return response;
}

absl::Status EtcdStateStore::WriteInChunks(std::vector<RequestOp> ops) {
  for (size_t start = 0; start < ops.size(); start += kMaxOpsPerTxn) {
    size_t end = std::min(ops.size(), start + kMaxOpsPerTxn);
    std::vector<RequestOp> chunk(
        std::make_move_iterator(ops.begin() + static_cast<ptrdiff_t>(start)),
        std::make_move_iterator(ops.begin() + static_cast<ptrdiff_t>(end)));
    Committed done = Commit({}, std::move(chunk));
    if (!done.ok()) {
      return absl::Status(done.status().code(),
                          absl::StrCat(done.status().message(), " (", start, " of ", ops.size(),
                                       " changes were written)"));
    }
  }
  return absl::OkStatus();
}

absl::Status EtcdStateStore::RaiseOrdinals(const std::map<std::string, int64_t>& next) {
  if (next.empty()) return absl::OkStatus();
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kOrdinals));
    std::map<std::string, std::pair<int64_t, int64_t>> current;  // app -> (value, mod revision)
    for (const mvccpb::KeyValue& kv : stored.kvs()) {
      int64_t value = 0;
      if (!absl::SimpleAtoi(kv.value(), &value)) return Corrupt(kv.key());
      current[kv.key().substr(prefix_.size() + kOrdinals.size())] = {value, kv.mod_revision()};
    }
    std::vector<Compare> compares;
    std::vector<RequestOp> puts;
    for (const auto& [app, value] : next) {
      auto [stored_value, revision] = current[app];
      if (value <= stored_value && revision != 0) continue;
      compares.push_back(Unchanged(Key(kOrdinals, app), revision));
      puts.push_back(Put(Key(kOrdinals, app), absl::StrCat(std::max(value, stored_value))));
    }
    if (puts.empty()) return absl::OkStatus();
    // Counters are few (one per app); a write of more than a transaction holds is split.
    bool all_held = true;
    for (size_t start = 0; start < puts.size(); start += kMaxOpsPerTxn) {
      size_t end = std::min(puts.size(), start + kMaxOpsPerTxn);
      Committed done = Commit(std::vector<Compare>(compares.begin() + static_cast<ptrdiff_t>(start),
                                                   compares.begin() + static_cast<ptrdiff_t>(end)),
                              std::vector<RequestOp>(puts.begin() + static_cast<ptrdiff_t>(start),
                                                     puts.begin() + static_cast<ptrdiff_t>(end)));
      if (!done.ok()) return done.status();
      all_held = all_held && done->succeeded();
    }
    if (all_held) return absl::OkStatus();
  }
  return absl::AbortedError("etcd: ordinal counters kept changing under this write; try again");
}

absl::Status EtcdStateStore::RaiseOrdinalsThenWrite(const std::map<std::string, int64_t>& next,
                                                    std::vector<RequestOp> ops) {
  RETURN_IF_ERROR(RaiseOrdinals(next));
  return WriteInChunks(std::move(ops));
}

absl::StatusOr<std::vector<AppChange>> EtcdStateStore::ApplyApps(
    const std::vector<v1::AppSpec>& apps) {
  RETURN_IF_ERROR(store_internal::CheckNoDuplicateApps(apps));
  for (const v1::AppSpec& spec : apps) {
    if (spec.name().empty()) return absl::InvalidArgumentError("an app has an empty name");
  }
  absl::MutexLock lock(&write_mu_);
  // What this apply wrote, by app: a retry reports it as written, not as unchanged.
  std::map<std::string, AppChange> written;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kApps));
    std::map<std::string, std::pair<StoredApp, int64_t>> current;
    for (const mvccpb::KeyValue& kv : stored.kvs()) {
      ASSIGN_OR_RETURN(StoredApp app, AppFromKv(kv));
      std::string name = app.spec.name();
      current[name] = {std::move(app), kv.mod_revision()};
    }
    std::vector<AppChange> changes;
    struct Write {
      Compare compare;
      RequestOp put;
      AppChange change;
      bool forget_demand = false;  // a changed demand spec: the static value goes
    };
    std::vector<Write> writes;
    for (const v1::AppSpec& spec : apps) {
      auto it = current.find(spec.name());
      if (it == current.end()) {
        AppChange change{spec.name(), ApplyAction::kCreated, 1};
        writes.push_back({Exists(Key(kApps, spec.name()), false),
                          Put(Key(kApps, spec.name()), AppRecord({spec, clock_.Now(), 1})),
                          change});
        changes.push_back(change);
      } else if (store_internal::SameSpec(it->second.first.spec, spec)) {
        auto mine = written.find(spec.name());
        changes.push_back(mine != written.end() ? mine->second
                                                : AppChange{spec.name(), ApplyAction::kUnchanged,
                                                            it->second.first.generation});
      } else {
        StoredApp next = it->second.first;
        next.spec = spec;
        ++next.generation;
        AppChange change{spec.name(), ApplyAction::kConfigured, next.generation};
        writes.push_back({Unchanged(Key(kApps, spec.name()), it->second.second),
                          Put(Key(kApps, spec.name()), AppRecord(next)), change,
                          !store_internal::SameDemand(it->second.first.spec, spec)});
        changes.push_back(change);
      }
    }
    // Transactions of at most kMaxOpsPerTxn / 2 apps (an app may take two operations: its
    // record, and the static value its changed demand spec forgets), each atomic; a conflict
    // in one re-reads and writes what is still different.
    constexpr size_t kAppsPerTxn = kMaxOpsPerTxn / 2;
    bool all_held = true;
    for (size_t start = 0; start < writes.size() && all_held; start += kAppsPerTxn) {
      const size_t end = std::min(writes.size(), start + kAppsPerTxn);
      std::vector<Compare> compares;
      std::vector<RequestOp> ops;
      for (size_t i = start; i < end; ++i) {
        compares.push_back(writes[i].compare);
        ops.push_back(writes[i].put);
        if (writes[i].forget_demand) ops.push_back(Delete(Key(kDemand, writes[i].change.name)));
      }
      ASSIGN_OR_RETURN(etcdserverpb::TxnResponse done, Commit(std::move(compares), std::move(ops)));
      all_held = done.succeeded();
      if (!all_held) break;
      for (size_t i = start; i < end; ++i) written[writes[i].change.name] = writes[i].change;
    }
    if (all_held) return changes;
  }
  return absl::AbortedError("etcd: the apps kept changing under this apply; try again");
}

absl::Status EtcdStateStore::DeleteApp(std::string_view name) {
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse done,
                   Commit({Exists(Key(kApps, name), true)},
                          {Delete(Key(kApps, name)), Delete(Key(kDemand, name))}));
  return done.succeeded() ? absl::OkStatus() : AppNotFound(name);
}

absl::StatusOr<std::vector<StoredApp>> EtcdStateStore::ListApps() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kApps));
  std::vector<StoredApp> apps;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    ASSIGN_OR_RETURN(StoredApp app, AppFromKv(kv));
    apps.push_back(std::move(app));
  }
  return apps;
}

absl::StatusOr<StoredApp> EtcdStateStore::GetApp(std::string_view name) {
  etcdserverpb::RangeRequest request;
  request.set_key(Key(kApps, name));
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, client_->Range(request));
  if (stored.kvs_size() == 0) return AppNotFound(name);
  return AppFromKv(stored.kvs(0));
}

absl::Status EtcdStateStore::SetStaticDemand(std::string_view app, double value) {
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(
      etcdserverpb::TxnResponse done,
      Commit({Exists(Key(kApps, app), true)}, {Put(Key(kDemand, app), DemandValue(value))}));
  return done.succeeded() ? absl::OkStatus() : AppNotFound(app);
}

absl::StatusOr<std::map<std::string, double>> EtcdStateStore::GetStaticDemands() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kDemand));
  std::map<std::string, double> demands;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    double value = 0;
    if (!absl::SimpleAtod(kv.value(), &value)) return Corrupt(kv.key());
    demands[kv.key().substr(prefix_.size() + kDemand.size())] = value;
  }
  return demands;
}

absl::Status EtcdStateStore::SetCordon(std::string_view node, bool cordoned, bool draining) {
  if (node.empty()) return absl::InvalidArgumentError("node name is empty");
  absl::MutexLock lock(&write_mu_);
  RequestOp op =
      cordoned ? Put(Key(kCordons, node), CordonValue(draining)) : Delete(Key(kCordons, node));
  return Commit({}, {std::move(op)}).status();
}

absl::StatusOr<std::set<std::string>> EtcdStateStore::ListCordons() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kCordons));
  std::set<std::string> nodes;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    nodes.insert(kv.key().substr(prefix_.size() + kCordons.size()));
  }
  return nodes;
}

absl::StatusOr<std::set<std::string>> EtcdStateStore::ListDraining() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kCordons));
  std::set<std::string> nodes;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    if (kv.value() == kDraining) nodes.insert(kv.key().substr(prefix_.size() + kCordons.size()));
  }
  return nodes;
}

namespace {

// The highest `ordinal + 1` among `containers`, per app.
std::map<std::string, int64_t> NextOrdinals(const std::vector<v1::Container>& containers) {
  std::map<std::string, int64_t> next;
  for (const v1::Container& c : containers) {
    if (std::optional<int64_t> ordinal = InstanceOrdinal(c.app(), c.instance())) {
      int64_t& n = next[c.app()];
      n = std::max(n, *ordinal + 1);
    }
  }
  return next;
}

}  // namespace

absl::Status EtcdStateStore::ReplaceAssignments(const std::vector<v1::Container>& containers) {
  RETURN_IF_ERROR(store_internal::CheckAssignments(containers));
  absl::MutexLock lock(&write_mu_);
  // The instances stored and not in `containers` are removed; the others are written. (etcd
  // refuses a transaction that deletes and puts the same key.)
  etcdserverpb::RangeRequest stored_keys;
  stored_keys.set_key(Key(kAssignments, ""));
  stored_keys.set_range_end(PrefixEnd(stored_keys.key()));
  stored_keys.set_keys_only(true);
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, client_->Range(stored_keys));
  std::set<std::string> kept;
  for (const v1::Container& c : containers) kept.insert(Key(kAssignments, c.instance()));
  std::vector<RequestOp> ops;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    if (!kept.contains(kv.key())) ops.push_back(Delete(kv.key()));
  }
  for (const v1::Container& c : containers) {
    ops.push_back(Put(Key(kAssignments, c.instance()), c.SerializeAsString()));
  }
  return RaiseOrdinalsThenWrite(NextOrdinals(containers), std::move(ops));
}

absl::Status EtcdStateStore::ApplyAssignmentChanges(const AssignmentChanges& changes) {
  RETURN_IF_ERROR(store_internal::CheckAssignments(changes.upserts));
  if (changes.empty()) return absl::OkStatus();
  absl::MutexLock lock(&write_mu_);
  // Removals come after upserts, so an instance in both ends removed; etcd refuses a
  // transaction that names one key twice, so each key is written once.
  const std::set<std::string> removed(changes.removals.begin(), changes.removals.end());
  std::vector<RequestOp> ops;
  for (const v1::Container& c : changes.upserts) {
    if (!removed.contains(c.instance())) {
      ops.push_back(Put(Key(kAssignments, c.instance()), c.SerializeAsString()));
    }
  }
  for (const std::string& instance : removed) ops.push_back(Delete(Key(kAssignments, instance)));
  return RaiseOrdinalsThenWrite(NextOrdinals(changes.upserts), std::move(ops));
}

absl::Status EtcdStateStore::UpsertAssignment(const v1::Container& container) {
  return ApplyAssignmentChanges({{container}, {}});
}

absl::Status EtcdStateStore::RemoveAssignment(std::string_view instance) {
  absl::MutexLock lock(&write_mu_);
  return Commit({}, {Delete(Key(kAssignments, instance))}).status();
}

absl::StatusOr<std::vector<v1::Container>> EtcdStateStore::ListAssignments() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kAssignments));
  std::vector<v1::Container> containers;
  containers.reserve(static_cast<size_t>(stored.kvs_size()));
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    v1::Container& c = containers.emplace_back();
    if (!c.ParseFromString(kv.value())) return Corrupt(kv.key());
  }
  return containers;
}

absl::StatusOr<std::map<std::string, int64_t>> EtcdStateStore::GetNextOrdinals() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kOrdinals));
  std::map<std::string, int64_t> next;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(kv.value(), &value)) return Corrupt(kv.key());
    next[kv.key().substr(prefix_.size() + kOrdinals.size())] = value;
  }
  return next;
}

absl::Status EtcdStateStore::SetNextOrdinals(const std::map<std::string, int64_t>& next) {
  RETURN_IF_ERROR(store_internal::CheckNextOrdinals(next));
  absl::MutexLock lock(&write_mu_);
  return RaiseOrdinals(next);
}

absl::StatusOr<StoredToken> EtcdStateStore::CreateToken(std::string_view name,
                                                        std::string_view role,
                                                        std::string_view hash) {
  RETURN_IF_ERROR(store_internal::CheckToken(name, role, hash));
  StoredToken token{std::string(name), std::string(role), std::string(hash), clock_.Now()};
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(
      etcdserverpb::TxnResponse done,
      Commit({Exists(Key(kTokens, name), false)}, {Put(Key(kTokens, name), TokenRecord(token))}));
  if (!done.succeeded()) return store_internal::TokenExists(name);
  return token;
}

absl::Status EtcdStateStore::DeleteToken(std::string_view name) {
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(etcdserverpb::TxnResponse done,
                   Commit({Exists(Key(kTokens, name), true)}, {Delete(Key(kTokens, name))}));
  return done.succeeded() ? absl::OkStatus() : store_internal::TokenNotFound(name);
}

absl::StatusOr<std::vector<StoredToken>> EtcdStateStore::ListTokens() {
  ASSIGN_OR_RETURN(etcdserverpb::RangeResponse stored, Read(kTokens));
  std::vector<StoredToken> tokens;
  for (const mvccpb::KeyValue& kv : stored.kvs()) {
    v1::StoredTokenRecord record;
    if (!record.ParseFromString(kv.value())) return Corrupt(kv.key());
    tokens.push_back({kv.key().substr(prefix_.size() + kTokens.size()), record.role(),
                      record.hash(), FromMicros(record.created_unix_micros())});
  }
  return tokens;
}

}  // namespace microscale
