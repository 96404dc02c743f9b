// What tests that run this build's programs share: where the programs are, and a poll
// with a generous deadline (a wait for a condition, never a timing assertion).
#ifndef MICROSCALE_TESTS_E2E_BUILT_PROGRAMS_H_
#define MICROSCALE_TESTS_E2E_BUILT_PROGRAMS_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace microscale::testing {

// The path of a program of this build tree, e.g. BuiltProgram("cli/microscalectl").
std::string BuiltProgram(std::string_view relative);

// Polls `condition` every `every` until it holds (true) or `timeout` passes (false).
bool PollUntil(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(60),
               absl::Duration every = absl::Milliseconds(100));

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_BUILT_PROGRAMS_H_
