#include "tests/e2e/built_programs.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/strings.h"

#ifndef MICROSCALE_BIN_DIR
#error "MICROSCALE_BIN_DIR must name the build directory"
#endif

namespace microscale::testing {

std::string BuiltProgram(std::string_view relative) {
  return absl::StrCat(MICROSCALE_BIN_DIR, "/", ToAbsl(relative));
}

bool PollUntil(const std::function<bool()>& condition, absl::Duration timeout,
               absl::Duration every) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(every);
  }
  return condition();
}

}  // namespace microscale::testing
