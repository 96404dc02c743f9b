// Bridges between std::string_view and absl::string_view.
//
// Debian's Abseil 20220623 is built with its own absl::string_view (not an alias of
// std::string_view), so absl::StrCat and friends do not take a std::string_view.
#ifndef MICROSCALE_COMMON_STRINGS_H_
#define MICROSCALE_COMMON_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace microscale {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace microscale

#endif  // MICROSCALE_COMMON_STRINGS_H_
