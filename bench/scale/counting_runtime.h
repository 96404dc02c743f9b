// CountingRuntime: a ContainerRuntime decorator that counts the live containers of the
// runtime it wraps, so the scale benchmark's load driver can tell, without listing,
// how many containers its simulated nodes hold.
//
// A container counts from a successful Start until a successful Stop; Start of an instance
// already counted does not count it twice. Every call is forwarded unchanged.
// Thread-safety: all methods may be called concurrently, like the wrapped runtime's.
#ifndef MICROSCALE_BENCH_SCALE_COUNTING_RUNTIME_H_
#define MICROSCALE_BENCH_SCALE_COUNTING_RUNTIME_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "node-agent/runtime.h"

namespace microscale {

class CountingRuntime final : public ContainerRuntime {
 public:
  explicit CountingRuntime(std::unique_ptr<ContainerRuntime> inner);

  std::string Name() const override { return inner_->Name(); }
  absl::StatusOr<v1::NodeCapacity> Capacity() override { return inner_->Capacity(); }
  absl::StatusOr<std::vector<v1::Container>> List() override { return inner_->List(); }
  absl::StatusOr<v1::Container> Start(const std::string& instance,
                                      const v1::ContainerSpec& spec) override;
  absl::Status Stop(const std::string& instance, absl::Duration timeout) override;
  absl::StatusOr<v1::Container> Pause(const std::string& instance) override {
    return inner_->Pause(instance);
  }
  absl::StatusOr<v1::Container> Resume(const std::string& instance) override {
    return inner_->Resume(instance);
  }
  void Watch(ContainerEventSink sink) override { inner_->Watch(std::move(sink)); }

  // Containers started and not stopped since. Read without a lock: the driver sums 1,000
  // nodes' counts every 50 ms, which must not cost the simulated nodes their CPU.
  size_t live() const { return live_count_.load(std::memory_order_relaxed); }
  // Start and Stop calls that succeeded.
  size_t calls() const { return calls_.load(std::memory_order_relaxed); }

 private:
  const std::unique_ptr<ContainerRuntime> inner_;
  absl::Mutex mu_;
  std::set<std::string> live_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> live_count_ = 0;  // live_.size(), written under mu_
  std::atomic<size_t> calls_ = 0;
};

}  // namespace microscale

#endif  // MICROSCALE_BENCH_SCALE_COUNTING_RUNTIME_H_
