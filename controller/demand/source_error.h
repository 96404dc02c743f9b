// The error every demand source gives when a server answers with something it cannot use.
// Thread-safety: a pure function.
#ifndef MICROSCALE_CONTROLLER_DEMAND_SOURCE_ERROR_H_
#define MICROSCALE_CONTROLLER_DEMAND_SOURCE_ERROR_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale::demand_internal {

// FailedPrecondition "<source>: <why>", which the DemandAvailable condition shows.
inline absl::Status SourceError(std::string_view source, std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(ToAbsl(source), ": ", ToAbsl(why)));
}

}  // namespace microscale::demand_internal

#endif  // MICROSCALE_CONTROLLER_DEMAND_SOURCE_ERROR_H_
