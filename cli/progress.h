// ProgressLinePrinter: one status line that follows a long wait.
//
// On a terminal the line is rewritten in place ("\r", clear to end of line); elsewhere
// (a pipe, a log file) a plain line is printed when the text changes, and at least every
// few seconds while it does not, so logs stay short but show the wait is alive.
// Thread-safety: not thread-safe.
#ifndef MICROSCALE_CLI_PROGRESS_H_
#define MICROSCALE_CLI_PROGRESS_H_

#include <ostream>
#include <string>

#include "absl/time/time.h"

namespace microscale::cli {

class ProgressLinePrinter {
 public:
  ProgressLinePrinter(std::ostream& out, bool terminal,
                      absl::Duration repeat_every = absl::Seconds(5))
      : out_(out), terminal_(terminal), repeat_every_(repeat_every) {}

  // Shows `line` as the current progress at time `now`.
  void Update(const std::string& line, absl::Time now);

  // Ends the in-place line on a terminal so later output starts on a fresh line.
  void Finish();

 private:
  std::ostream& out_;
  const bool terminal_;
  const absl::Duration repeat_every_;
  std::string last_line_;
  absl::Time last_print_ = absl::InfinitePast();
  bool line_open_ = false;
};

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_PROGRESS_H_
