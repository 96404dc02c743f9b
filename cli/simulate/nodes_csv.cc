#include "cli/simulate/nodes_csv.h"

#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/simulate/csv_lines.h"
#include "common/manifest/label_list.h"
#include "common/quantity.h"

namespace microscale::simulate {
namespace {

const std::vector<std::string>& Columns() {
  static const auto* columns =
      new std::vector<std::string>{"name", "cpu", "memory", "maxContainers", "labels"};
  return *columns;
}

// Checks a header line; every column must be known and in the documented order.
absl::Status CheckHeader(const CsvLine& line, absl::string_view source) {
  const std::vector<std::string>& want = Columns();
  for (size_t i = 0; i < line.fields.size(); ++i) {
    const std::string& got = line.fields[i];
    if (i >= want.size() || got != want[i]) {
      return LineError(source, line.number,
                       absl::StrCat("unknown column \"", got, "\" (expected the columns ",
                                    absl::StrJoin(want, ","), ")"));
    }
  }
  if (line.fields.size() < 4) {
    return LineError(source, line.number,
                     absl::StrCat("missing column \"", want[line.fields.size()], "\""));
  }
  return absl::OkStatus();
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<SimNode> ParseNode(const CsvLine& line, absl::string_view source) {
  const auto& f = line.fields;
  if (f.size() < 4 || f.size() > 5) {
    return LineError(source, line.number,
                     absl::StrCat("expected 4 or 5 fields (name,cpu,memory,maxContainers,labels), "
                                  "got ",
                                  f.size()));
  }
  SimNode node;
  if (!ValidName(f[0])) {
    return LineError(
        source, line.number,
        absl::StrCat("node name \"", f[0], "\" must be 1-253 letters, digits, '-', '.' or '_'"));
  }
  node.info.name = f[0];
  absl::StatusOr<int64_t> cpu = ParseCpuMillis(f[1]);
  if (!cpu.ok())
    return LineError(source, line.number, absl::StrCat("cpu: ", cpu.status().message()));
  node.info.cpu_millis = *cpu;
  absl::StatusOr<int64_t> memory = ParseMemoryBytes(f[2]);
  if (!memory.ok()) {
    return LineError(source, line.number, absl::StrCat("memory: ", memory.status().message()));
  }
  node.info.memory_bytes = *memory;
  int32_t cap = 0;
  if (!absl::SimpleAtoi(f[3], &cap) || cap < 0 ||
      f[3].find_first_not_of("0123456789") != std::string::npos) {
    return LineError(
        source, line.number,
        absl::StrCat("maxContainers: \"", f[3], "\" is not a whole number >= 0 (0 means no cap)"));
  }
  node.info.max_containers = cap;
  absl::StatusOr<std::map<std::string, std::string>> labels =
      ParseLabelList(f.size() == 5 ? f[4] : std::string(), ';');
  if (!labels.ok()) {
    return LineError(source, line.number, absl::StrCat("labels: ", labels.status().message()));
  }
  node.info.labels = *std::move(labels);
  return node;
}

}  // namespace

absl::StatusOr<std::vector<SimNode>> ParseNodesCsv(absl::string_view text,
                                                   absl::string_view source) {
  absl::StatusOr<std::vector<CsvLine>> lines = SplitCsv(text, source);
  if (!lines.ok()) return lines.status();
  std::vector<SimNode> nodes;
  std::set<std::string> names;
  for (size_t i = 0; i < lines->size(); ++i) {
    const CsvLine& line = (*lines)[i];
    if (i == 0 && !line.fields.empty() && line.fields[0] == "name") {
      if (absl::Status header = CheckHeader(line, source); !header.ok()) return header;
      continue;
    }
    absl::StatusOr<SimNode> node = ParseNode(line, source);
    if (!node.ok()) return node.status();
    if (!names.insert(node->info.name).second) {
      return LineError(source, line.number,
                       absl::StrCat("node \"", node->info.name, "\" is listed twice"));
    }
    nodes.push_back(*std::move(node));
  }
  if (nodes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no nodes (one a line: name,cpu,memory,maxContainers,labels)"));
  }
  return nodes;
}

}  // namespace microscale::simulate
