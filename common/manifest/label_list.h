// Label lists written as text: `zone=a,disk=ssd` (an agent's --labels) or `zone=a;disk=ssd`
// (a column of the simulator's node file). Every key and value follows the rules of an
// App's metadata.labels and spec.nodeSelector, so any label a node carries can be selected.
#ifndef MICROSCALE_COMMON_MANIFEST_LABEL_LIST_H_
#define MICROSCALE_COMMON_MANIFEST_LABEL_LIST_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace microscale {

// The pairs of `text`, separated by `separator`; "" gives none. InvalidArgument naming the
// pair for a pair without '=', an empty or invalid key, an invalid value, or a key given
// twice.
absl::StatusOr<std::map<std::string, std::string>> ParseLabelList(std::string_view text,
                                                                  char separator);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_MANIFEST_LABEL_LIST_H_
