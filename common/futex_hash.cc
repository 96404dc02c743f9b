#include "common/futex_hash.h"

#include <sys/prctl.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace microscale {
namespace {

// From <linux/prctl.h> of Linux 6.17, newer than the headers of Debian 12.
constexpr int kPrFutexHash = 78;
constexpr unsigned long kSetSlots = 1;  // NOLINT(google-runtime-int): prctl's argument type
constexpr unsigned long kGetSlots = 2;  // NOLINT(google-runtime-int)

}  // namespace

absl::Status UseGlobalFutexHash() {
  // Slots 0: the global hash.
  if (prctl(kPrFutexHash, kSetSlots, 0UL, 0UL, 0UL) == 0 || errno == EINVAL) {
    // EINVAL: a kernel that does not know the option has only the global hash (one that
    // knows it refuses only a bad size or flags, and 0 and 0 are neither).
    return absl::OkStatus();
  }
  return absl::InternalError(std::string("prctl(PR_FUTEX_HASH, SET_SLOTS, 0): ") +
                             std::strerror(errno));
}

int PrivateFutexHashSlots() { return prctl(kPrFutexHash, kGetSlots, 0UL, 0UL, 0UL); }

}  // namespace microscale
