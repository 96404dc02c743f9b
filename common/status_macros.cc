#include "common/status_macros.h"

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {

absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(ToAbsl(context), ": ", status.message()));
}

}  // namespace microscale
