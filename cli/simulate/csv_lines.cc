#include "cli/simulate/csv_lines.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace microscale::simulate {

absl::Status LineError(absl::string_view source, int line, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", reason));
}

absl::StatusOr<std::vector<CsvLine>> SplitCsv(absl::string_view text, absl::string_view source) {
  std::vector<CsvLine> lines;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.find('"') != absl::string_view::npos) {
      return LineError(source, number, "quoted fields are not supported");
    }
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
        return LineError(source, number, "control character in the line");
      }
    }
    CsvLine parsed{number, {}};
    for (absl::string_view field : absl::StrSplit(line, ',')) {
      parsed.fields.emplace_back(absl::StripAsciiWhitespace(field));
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

bool ParseFiniteNumber(absl::string_view text, double* value) {
  if (text.empty() || text.find_first_not_of("0123456789.eE+-") != absl::string_view::npos) {
    return false;
  }
  return absl::SimpleAtod(text, value) && std::isfinite(*value);
}

}  // namespace microscale::simulate
