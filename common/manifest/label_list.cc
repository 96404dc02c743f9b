#include "common/manifest/label_list.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/manifest/formats.h"
#include "common/strings.h"

namespace microscale {

absl::StatusOr<std::map<std::string, std::string>> ParseLabelList(std::string_view text,
                                                                  char separator) {
  std::map<std::string, std::string> labels;
  if (text.empty()) return labels;
  for (absl::string_view pair : absl::StrSplit(ToAbsl(text), separator)) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (pair.find('=') == absl::string_view::npos || kv.first.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("label \"", pair,
                                                     "\" is not key=value (labels look like "
                                                     "zone=a",
                                                     std::string(1, separator), "disk=ssd)"));
    }
    for (const manifest_internal::Problem& problem :
         {manifest_internal::LabelKeyProblem(ToStd(kv.first)),
          manifest_internal::LabelValueProblem(ToStd(kv.second))}) {
      if (problem)
        return absl::InvalidArgumentError(absl::StrCat("label \"", pair, "\": ", *problem));
    }
    if (!labels.emplace(kv.first, kv.second).second) {
      return absl::InvalidArgumentError(absl::StrCat("label \"", kv.first, "\" given twice"));
    }
  }
  return labels;
}

}  // namespace microscale
