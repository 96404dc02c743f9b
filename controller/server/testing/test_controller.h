// Helpers for tests that run a whole Controller in-process: a temporary data directory,
// a start-up on ephemeral loopback ports, a polling wait, and builders of app specs.
// Thread-safety: test-only; WaitUntil may be called from any thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_TESTING_TEST_CONTROLLER_H_
#define MICROSCALE_CONTROLLER_SERVER_TESTING_TEST_CONTROLLER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/server/controller.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

// A directory under the system temp dir, removed with everything in it on destruction.
class TempDataDir {
 public:
  TempDataDir();
  ~TempDataDir();
  TempDataDir(const TempDataDir&) = delete;
  TempDataDir& operator=(const TempDataDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TestControllerOptions {
  absl::Duration startup_grace = absl::ZeroDuration();
  absl::Duration node_timeout = absl::Seconds(10);
  absl::Duration node_gc = absl::Hours(1);
  bool allow_host_network = false;
};

// Starts a Controller over `data_dir` (SQLite store) with gRPC and HTTP on 127.0.0.1:0.
absl::StatusOr<std::unique_ptr<Controller>> StartTestController(
    const std::string& data_dir, Clock& clock, const TestControllerOptions& options = {});

// Polls `condition` every few milliseconds until it holds (true) or `timeout` passes (false).
bool WaitUntil(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(30));

// An app with a static demand source (value 0, one container per demand unit), the given
// priority and replica bounds, 100m CPU and 64Mi memory per container.
v1::AppSpec StaticApp(const std::string& name, int priority, int max, int min = 0);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_TESTING_TEST_CONTROLLER_H_
