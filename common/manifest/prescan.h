// A cheap check of manifest bytes before they reach the YAML parser.
//
// It refuses input over 1 MiB, bytes that are not UTF-8 text (NUL and other control
// characters included), and nesting deeper than 64 levels, each with a message that says
// where. The depth is estimated from indentation, block indicators (`- `, `? `) and flow
// brackets, outside quotes, comments and block scalars; the estimate errs high. yaml-cpp
// itself stops at 500 levels of recursion, which backs this check. Pure; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_PRESCAN_H_
#define MICROSCALE_COMMON_MANIFEST_PRESCAN_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace microscale::manifest_internal {

inline constexpr size_t kMaxManifestBytes = size_t{1} << 20;
inline constexpr int kMaxNesting = 64;

absl::Status PrescanManifest(std::string_view text);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_PRESCAN_H_
