// The words microscalectl prints after "Error: " when a request fails.
//
// A pure function; thread-safe.
#ifndef MICROSCALE_CLI_ERRORS_H_
#define MICROSCALE_CLI_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace microscale::cli {

// Says what went wrong and, where the user can act, what to do: UNAVAILABLE names the
// controller address and how to set it, DEADLINE_EXCEEDED names the timeout, and the codes
// the server uses for bad requests (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
// ALREADY_EXISTS) show the server's own message, and refusals (UNAUTHENTICATED,
// PERMISSION_DENIED, RESOURCE_EXHAUSTED) show it after a word on what refused the request.
std::string DescribeFailure(const absl::Status& status, const std::string& controller,
                            absl::Duration timeout);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_ERRORS_H_
