// EtcdStateStore: the StateStore on etcd v3 (`--store etcd://...`), so that the state
// outlives the controller's machine and several controllers can share it.
//
// Every record is one key under the prefix (default /microscale/<cluster>/):
//   apps/<name>            StoredAppRecord (spec, creation time, generation)
//   demand/<app>           a static demand value, as text
//   cordons/<node>         "cordoned" or "draining"
//   assignments/<instance> v1::Container
//   ordinals/<app>         the next ordinal, as text
//   tokens/<name>          StoredTokenRecord
// A read is one Range at one revision. A write is one etcd transaction that compares the
// revisions it read (a concurrent writer makes it retry, never overwrite) and, once
// FenceOn was called, that the leader key this controller holds is still there: a controller
// that lost leadership can never write. Writes larger than etcd's limit on operations per
// transaction (--max-txn-ops, 128 by default) go in several transactions of up to
// kMaxOpsPerTxn each: each is atomic, and a failed write reports which part was not made.
// Thread-safety: every method is safe to call concurrently; writes are serialized.
#ifndef MICROSCALE_CONTROLLER_STORE_ETCD_STATE_STORE_H_
#define MICROSCALE_CONTROLLER_STORE_ETCD_STATE_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/store/etcd_client.h"
#include "controller/store/etcd_mirror.h"
#include "controller/store/state_snapshot.h"
#include "controller/store/state_store.h"

namespace microscale {

class EtcdStateStore final : public StateStore {
 public:
  // Operations per transaction, below etcd's default --max-txn-ops (128) with room for the
  // compares.
  static constexpr int kMaxOpsPerTxn = 100;

  // A store under `prefix` (it must end with '/'). `clock` stamps creation times and must
  // outlive the store. Nothing is read until the first call.
  EtcdStateStore(std::shared_ptr<EtcdClient> client, std::string prefix,
                 Clock& clock = RealClock::Get());

  // Marks the prefix as the state of `cluster` if it holds no other cluster's: a second
  // cluster pointed at the same prefix (a wrong --etcd-prefix) is refused with
  // FailedPrecondition naming both, before anything is read or written.
  absl::Status ClaimFor(std::string_view cluster);

  // From now on every write also requires `key` to exist with `create_revision`;
  // `on_lost` (if set) is called the first time a write finds it otherwise.
  void FenceOn(std::string key, int64_t create_revision, std::function<void()> on_lost = {});

  // Until EndWarmReads or the first write, reads are served from `mirror`, a standby's copy
  // of this prefix, instead of etcd: a new leader loads its state from memory. The caller
  // has checked that the copy holds every change up to its leadership, after which only
  // this controller writes the state.
  void ReadFirstFrom(std::shared_ptr<const EtcdMirror> mirror);
  void EndWarmReads();

  const std::string& prefix() const { return prefix_; }

  // Writes `snapshot` as the state of `cluster` into the prefix, which must hold no key
  // (FailedPrecondition naming the prefix and how many keys it holds otherwise). Creation
  // times and generations are kept. The cluster mark is written last; a write that fails
  // part way removes what it wrote, so the prefix is left empty rather than half filled.
  // Returns the number of keys written.
  absl::StatusOr<int64_t> ImportSnapshot(const StateSnapshot& snapshot, std::string_view cluster);

  absl::StatusOr<std::vector<AppChange>> ApplyApps(const std::vector<v1::AppSpec>& apps) override;
  absl::Status DeleteApp(std::string_view name) override;
  absl::StatusOr<std::vector<StoredApp>> ListApps() override;
  absl::StatusOr<StoredApp> GetApp(std::string_view name) override;
  absl::Status SetStaticDemand(std::string_view app, double value) override;
  absl::StatusOr<std::map<std::string, double>> GetStaticDemands() override;
  absl::Status SetCordon(std::string_view node, bool cordoned, bool draining = false) override;
  absl::StatusOr<std::set<std::string>> ListCordons() override;
  absl::StatusOr<std::set<std::string>> ListDraining() override;
  absl::Status ReplaceAssignments(const std::vector<v1::Container>& containers) override;
  absl::Status ApplyAssignmentChanges(const AssignmentChanges& changes) override;
  absl::Status UpsertAssignment(const v1::Container& container) override;
  absl::Status RemoveAssignment(std::string_view instance) override;
  absl::StatusOr<std::vector<v1::Container>> ListAssignments() override;
  absl::StatusOr<std::map<std::string, int64_t>> GetNextOrdinals() override;
  absl::Status SetNextOrdinals(const std::map<std::string, int64_t>& next) override;
  absl::StatusOr<StoredToken> CreateToken(std::string_view name, std::string_view role,
                                          std::string_view hash) override;
  absl::Status DeleteToken(std::string_view name) override;
  absl::StatusOr<std::vector<StoredToken>> ListTokens() override;

 private:
  struct Fence {
    std::string key;
    int64_t create_revision = 0;
    std::function<void()> on_lost;
  };
  // The outcome of a transaction whose fence held: whether its own compares held too.
  using Committed = absl::StatusOr<etcdserverpb::TxnResponse>;

  std::string Key(std::string_view kind, std::string_view name) const;
  absl::StatusOr<etcdserverpb::RangeResponse> Read(std::string_view kind) const;
  // One transaction with the fence added: FailedPrecondition when the fence failed.
  Committed Commit(std::vector<etcdserverpb::Compare> compares,
                   std::vector<etcdserverpb::RequestOp> success,
                   std::vector<etcdserverpb::RequestOp> failure = {})
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Raises ordinal counters to at least `next` (a compare-and-swap per counter, retried),
  // then writes `ops` in transactions of at most kMaxOpsPerTxn.
  absl::Status RaiseOrdinalsThenWrite(const std::map<std::string, int64_t>& next,
                                      std::vector<etcdserverpb::RequestOp> ops)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status RaiseOrdinals(const std::map<std::string, int64_t>& next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status WriteInChunks(std::vector<etcdserverpb::RequestOp> ops)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  std::shared_ptr<EtcdClient> client_;
  std::string prefix_;
  Clock& clock_;
  absl::Mutex write_mu_;
  absl::Mutex fence_mu_;
  std::optional<Fence> fence_ ABSL_GUARDED_BY(fence_mu_);
  mutable absl::Mutex warm_mu_;
  std::shared_ptr<const EtcdMirror> warm_ ABSL_GUARDED_BY(warm_mu_);
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_STORE_ETCD_STATE_STORE_H_
