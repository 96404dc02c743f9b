#include "controller/server/testing/test_controller.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include "absl/time/clock.h"

namespace microscale {

TempDataDir::TempDataDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "ms-controller-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDataDir::~TempDataDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

absl::StatusOr<std::unique_ptr<Controller>> StartTestController(
    const std::string& data_dir, Clock& clock, const TestControllerOptions& options) {
  ControllerConfig config;
  config.grpc_addr = "127.0.0.1:0";
  config.http_addr = "127.0.0.1:0";
  config.data_dir = data_dir;
  config.cluster_name = "test";
  config.startup_grace = options.startup_grace;
  config.node_timeout = options.node_timeout;
  config.node_gc = options.node_gc;
  config.allow_host_network = options.allow_host_network;
  return Controller::Start(config, "test", clock);
}

bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

v1::AppSpec StaticApp(const std::string& name, int priority, int max, int min) {
  v1::AppSpec spec;
  spec.set_name(name);
  spec.set_priority(priority);
  spec.set_image("microscale/demo:latest");
  spec.mutable_resources()->set_cpu_millis(100);
  spec.mutable_resources()->set_memory_bytes(int64_t{64} << 20);
  spec.mutable_replicas()->set_min(min);
  spec.mutable_replicas()->set_max(max);
  spec.set_preemptible(true);
  spec.set_stop_timeout_seconds(1);
  spec.mutable_demand()->set_source("static");
  spec.mutable_demand()->set_target_per_container(1);
  spec.mutable_demand()->set_value(0);
  return spec;
}

}  // namespace microscale
