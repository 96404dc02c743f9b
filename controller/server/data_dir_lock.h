// DataDirLock: one controller per data directory. An advisory lock (flock) on
// `controller.lock` in the directory, held for the life of the process; the file holds the
// holder's pid so a second controller can name it. The kernel drops the lock when the
// process dies, `kill -9` included, so a stale lock file never blocks a restart.
// Thread-safety: thread-compatible.
#ifndef MICROSCALE_CONTROLLER_SERVER_DATA_DIR_LOCK_H_
#define MICROSCALE_CONTROLLER_SERVER_DATA_DIR_LOCK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace microscale {

class DataDirLock {
 public:
  static constexpr const char* kFileName = "controller.lock";

  // Takes the lock of `data_dir` (which must exist), waiting up to `wait` while another
  // process holds it (a controller restarted at once while the old one still stops).
  // FailedPrecondition naming the directory and the other controller's pid when another
  // process still holds it then.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(
      const std::string& data_dir, absl::Duration wait = absl::ZeroDuration());
  ~DataDirLock();  // releases the lock
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_DATA_DIR_LOCK_H_
