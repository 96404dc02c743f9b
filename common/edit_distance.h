// EditDistance: how many single-character edits (insert, delete, replace), ignoring ASCII
// case, turn one word into another. For "did you mean" hints: an unknown manifest key, an
// unknown command-line option.
#ifndef MICROSCALE_COMMON_EDIT_DISTANCE_H_
#define MICROSCALE_COMMON_EDIT_DISTANCE_H_

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"

namespace microscale {

inline size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const size_t cost = absl::ascii_tolower(static_cast<unsigned char>(a[i - 1])) ==
                                  absl::ascii_tolower(static_cast<unsigned char>(b[j - 1]))
                              ? 0
                              : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace microscale

#endif  // MICROSCALE_COMMON_EDIT_DISTANCE_H_
