#include "cli/errors.h"

#include "absl/strings/str_cat.h"

namespace microscale::cli {

std::string DescribeFailure(const absl::Status& status, const std::string& controller,
                            absl::Duration timeout) {
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return absl::StrCat("cannot reach the controller at ", controller,
                          " (is microscale-controller running? set --controller or "
                          "MICROSCALE_CONTROLLER)");
    case absl::StatusCode::kDeadlineExceeded:
      return absl::StrCat("the controller at ", controller, " did not answer within ",
                          absl::FormatDuration(timeout), " (raise --timeout?)");
    case absl::StatusCode::kUnimplemented:
      return absl::StrCat("the controller at ", controller,
                          " does not support this request (is it an older version? see "
                          "`microscalectl version`): ",
                          message);
    case absl::StatusCode::kUnauthenticated:
      return absl::StrCat("not authenticated: ", message);
    case absl::StatusCode::kPermissionDenied:
      return absl::StrCat("permission denied: ", message);
    case absl::StatusCode::kResourceExhausted:
      return absl::StrCat("refused by a limit of the controller at ", controller, ": ", message);
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
      return message;
    default:
      return absl::StrCat("request to the controller at ", controller,
                          " failed: ", absl::StatusCodeToString(status.code()), ": ", message);
  }
}

}  // namespace microscale::cli
