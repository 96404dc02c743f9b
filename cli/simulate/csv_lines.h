// CsvLines: the lines of a small CSV file, split into trimmed fields, each with its
// 1-based line number, for the simulator's input files (nodes and demand traces).
//
// The dialect is deliberately plain: fields are separated by commas and never quoted (no
// field of these files may contain a comma), blanks around a field are dropped, a line
// that is empty or starts with `#` is skipped, and "\r\n" line ends are accepted. A quote
// character is refused rather than misread. Errors are InvalidArgument "FILE:LINE: reason".
// Pure functions; thread-safe.
#ifndef MICROSCALE_CLI_SIMULATE_CSV_LINES_H_
#define MICROSCALE_CLI_SIMULATE_CSV_LINES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace microscale::simulate {

struct CsvLine {
  int number = 0;  // 1-based line number in the file
  std::vector<std::string> fields;
};

// Every non-blank, non-comment line of `text`. `source` names the file in errors.
absl::StatusOr<std::vector<CsvLine>> SplitCsv(absl::string_view text, absl::string_view source);

// InvalidArgument "SOURCE:LINE: reason".
absl::Status LineError(absl::string_view source, int line, absl::string_view reason);

// A finite decimal number ("12", "0.5", "1e3"); nullopt-like false for anything else.
bool ParseFiniteNumber(absl::string_view text, double* value);

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_CSV_LINES_H_
