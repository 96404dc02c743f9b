// AssignmentWriter: writes the reconciler's assignment changes to the state store on its
// own thread, so a slow disk never holds up a reconcile pass.
//
// Submit() merges changes into a pending set (the latest record of an instance wins, and a
// removal cancels an upsert not yet written) and returns at once. The writer thread takes
// what is pending, at most `max_batch` instances at a time, and writes each batch as one
// transaction: the store is locked for one batch at a time, so that the ordinals a pass
// makes durable before its starts, and the applies, do not wait for the whole of a large
// step's assignments. A failed write is kept, merged with what arrived meanwhile, and tried
// again after a growing delay (up to `max_retry_delay`).
//
// Why this is safe: assignments only tell a restarted controller which containers to
// expect on nodes that have not come back yet. Instance ids never repeat because the
// ordinal counters are written by the reconciler itself, before any start that uses them
// is sent; they do not go through this writer.
// Thread-safety: every method may be called from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_ASSIGNMENT_WRITER_H_
#define MICROSCALE_CONTROLLER_SERVER_ASSIGNMENT_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/store/state_store.h"

namespace microscale {

class AssignmentWriter {
 public:
  // `write` stores one batch in one transaction (StateStore::ApplyAssignmentChanges).
  using WriteFn = std::function<absl::Status(const AssignmentChanges&)>;
  explicit AssignmentWriter(WriteFn write, absl::Duration max_retry_delay = absl::Seconds(5),
                            size_t max_batch = kMaxBatch);
  static constexpr size_t kMaxBatch = 2000;
  // Writes what is pending (one last try) and stops the thread.
  ~AssignmentWriter();
  AssignmentWriter(const AssignmentWriter&) = delete;
  AssignmentWriter& operator=(const AssignmentWriter&) = delete;

  void Submit(AssignmentChanges changes);
  // Waits until everything submitted before the call is written, or a write failed.
  // True when it was written.
  bool Flush();

  // Figures for metrics and tests.
  int64_t writes() const;         // transactions committed
  int64_t failed_writes() const;  // transactions that failed (and were retried)
  size_t pending() const;         // instances waiting to be written

 private:
  void Run();
  // Takes up to max_batch_ of what is pending as one batch (mu_ held).
  AssignmentChanges TakeBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Puts a failed batch back under what arrived since (newer entries win).
  void Restore(const AssignmentChanges& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const WriteFn write_;
  const absl::Duration max_retry_delay_;
  const size_t max_batch_;
  mutable absl::Mutex mu_;
  // Instance -> its record to write, or nullopt to remove it.
  std::map<std::string, std::optional<v1::Container>> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t submitted_ ABSL_GUARDED_BY(mu_) = 0;  // Submit() calls so far
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;    // Submit() calls whose changes are written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_writes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_ASSIGNMENT_WRITER_H_
