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

namespace microscale {

class DataDirLock {
 public:
  static constexpr const char* kFileName = "controller.lock";

  // Takes the lock of `data_dir` (which must exist). FailedPrecondition naming the
  // directory and the other controller's pid when another process holds it.
  static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();  // releases the lock
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_DATA_DIR_LOCK_H_
