#include "cli/simulate/trace_csv.h"

#include <cmath>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/simulate/csv_lines.h"

namespace microscale::simulate {
namespace {

constexpr char kExpected[] = "expected the header seconds,app,value or seconds,app,arrivals";

absl::StatusOr<TraceKind> ReadHeader(const std::vector<CsvLine>& lines, absl::string_view source) {
  if (lines.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": empty trace (", kExpected, ")"));
  }
  const CsvLine& header = lines.front();
  const char* want[] = {"seconds", "app"};
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& column = header.fields[i];
    bool known =
        i < 2 ? column == want[i] : (i == 2 && (column == "value" || column == "arrivals"));
    if (!known) {
      return LineError(source, header.number,
                       absl::StrCat("unknown column \"", column, "\" (", kExpected, ")"));
    }
  }
  if (header.fields.size() != 3) {
    return LineError(source, header.number, absl::StrCat("missing column (", kExpected, ")"));
  }
  return header.fields[2] == "value" ? TraceKind::kLevel : TraceKind::kArrivals;
}

}  // namespace

absl::StatusOr<DemandTrace> ParseDemandTrace(absl::string_view text, absl::string_view source,
                                             const std::vector<std::string>& apps) {
  absl::StatusOr<std::vector<CsvLine>> lines = SplitCsv(text, source);
  if (!lines.ok()) return lines.status();
  absl::StatusOr<TraceKind> kind = ReadHeader(*lines, source);
  if (!kind.ok()) return kind.status();
  std::map<std::string, int, std::less<>> index;
  for (size_t i = 0; i < apps.size(); ++i) index.emplace(apps[i], static_cast<int>(i));
  const char* value_name = *kind == TraceKind::kLevel ? "value" : "arrivals";

  DemandTrace trace;
  trace.kind = *kind;
  std::vector<int64_t> last_row_at(apps.size(), -1);
  for (size_t i = 1; i < lines->size(); ++i) {
    const CsvLine& line = (*lines)[i];
    const auto& f = line.fields;
    if (f.size() != 3) {
      return LineError(
          source, line.number,
          absl::StrCat("expected 3 fields (seconds,app,", value_name, "), got ", f.size()));
    }
    double seconds = 0;
    if (!ParseFiniteNumber(f[0], &seconds) || seconds < 0 || seconds > kMaxTraceSeconds) {
      return LineError(
          source, line.number,
          absl::StrCat("seconds: \"", f[0], "\" is not a number of seconds between 0 and ",
                       kMaxTraceSeconds));
    }
    auto app = index.find(f[1]);
    if (app == index.end()) {
      return LineError(source, line.number,
                       absl::StrCat("unknown app \"", f[1], "\" (not in the --apps file)"));
    }
    double value = 0;
    if (!ParseFiniteNumber(f[2], &value) || value < 0) {
      return LineError(source, line.number,
                       absl::StrCat(value_name, ": \"", f[2], "\" is not a number >= 0"));
    }
    const int64_t at_us = std::llround(seconds * 1e6);
    if (!trace.points.empty() && at_us < trace.points.back().at_us) {
      return LineError(source, line.number,
                       absl::StrCat("time goes backwards: ", f[0], " after ",
                                    static_cast<double>(trace.points.back().at_us) / 1e6));
    }
    if (last_row_at[app->second] == at_us) {
      return LineError(source, line.number,
                       absl::StrCat("app \"", f[1], "\" already has a row at ", f[0], " s"));
    }
    last_row_at[app->second] = at_us;
    trace.points.push_back({at_us, app->second, value});
  }
  return trace;
}

}  // namespace microscale::simulate
