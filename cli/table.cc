#include "cli/table.h"

#include <algorithm>
#include <utility>

namespace microscale::cli {
namespace {

constexpr const char* kGap = "   ";

void AppendLine(const std::vector<std::string>& cells, const std::vector<size_t>& widths,
                const std::string& indent, std::string& out) {
  out += indent;
  for (size_t i = 0; i < widths.size(); ++i) {
    const std::string& cell = cells[i];
    out += cell;
    if (i + 1 < widths.size()) {
      out.append(widths[i] - cell.size(), ' ');
      out += kGap;
    }
  }
  out += '\n';
}

}  // namespace

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render(const std::string& indent) const {
  std::vector<size_t> widths(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); ++i) widths[i] = header_[i].size();
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  AppendLine(header_, widths, indent, out);
  for (const auto& row : rows_) AppendLine(row, widths, indent, out);
  return out;
}

}  // namespace microscale::cli
