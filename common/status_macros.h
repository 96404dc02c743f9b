// Small helpers for absl::Status plumbing. Abseil 20220623 ships none of these.
//
//   RETURN_IF_ERROR(DoThing());                 // returns the status if not OK
//   ASSIGN_OR_RETURN(auto value, ParseThing()); // unwraps a StatusOr or returns its status
#ifndef MICROSCALE_COMMON_STATUS_MACROS_H_
#define MICROSCALE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MICROSCALE_CONCAT_INNER(a, b) a##b
#define MICROSCALE_CONCAT(a, b) MICROSCALE_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    ::absl::Status microscale_status_ = (expr);              \
    if (!microscale_status_.ok()) return microscale_status_; \
  } while (false)

// `tmp` is a name and `lhs` may be a declaration ("auto x"): neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define MICROSCALE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return std::move(tmp).status();         \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)

#define ASSIGN_OR_RETURN(lhs, expr) \
  MICROSCALE_ASSIGN_OR_RETURN_IMPL(MICROSCALE_CONCAT(microscale_statusor_, __LINE__), lhs, expr)

namespace microscale {

// Returns `status` with `context: ` put in front of its message; OK stays OK.
absl::Status Annotate(const absl::Status& status, std::string_view context);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_STATUS_MACROS_H_
