// Table: plain-text columns aligned the way kubectl prints them.
//
// Each column is as wide as its widest cell; columns are separated by three spaces and
// the last column is not padded, so lines carry no trailing blanks.
// Thread-safety: a plain value; not safe for concurrent mutation.
#ifndef MICROSCALE_CLI_TABLE_H_
#define MICROSCALE_CLI_TABLE_H_

#include <string>
#include <vector>

namespace microscale::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header);

  // Appends a row; missing cells print empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  bool empty() const { return rows_.empty(); }

  // The header line and every row, each line ending in '\n'. `indent` prefixes each line.
  std::string Render(const std::string& indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_TABLE_H_
