#include "controller/server/data_dir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace microscale {
namespace {

// The pid the lock file holds, or "" when it cannot be read.
std::string HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "";
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir,
                                                                  absl::Duration wait) {
  const std::string path = absl::StrCat(data_dir, "/", kFileName);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open the lock file ", path, ": ", std::strerror(errno)));
  }
  const absl::Time give_up = absl::Now() + wait;
  int locked = flock(fd, LOCK_EX | LOCK_NB);
  while (locked != 0 && errno == EWOULDBLOCK && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(100));
    locked = flock(fd, LOCK_EX | LOCK_NB);
  }
  if (locked != 0) {
    const int err = errno;
    std::string pid = HolderPid(fd);
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("data directory ", data_dir, " is in use by another controller",
                       pid.empty() ? "" : absl::StrCat(" (pid ", pid, ")"),
                       "; stop it, or give this controller its own --data-dir"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot lock ", path, ": ", std::strerror(err)));
  }
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write the lock file ", path, ": ", std::strerror(err)));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { close(fd_); }

}  // namespace microscale
