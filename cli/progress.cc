#include "cli/progress.h"

namespace microscale::cli {

void ProgressLinePrinter::Update(const std::string& line, absl::Time now) {
  if (terminal_) {
    out_ << "\r\033[K" << line << std::flush;
    line_open_ = true;
    return;
  }
  if (line == last_line_ && now - last_print_ < repeat_every_) return;
  out_ << line << '\n' << std::flush;
  last_line_ = line;
  last_print_ = now;
}

void ProgressLinePrinter::Finish() {
  if (!line_open_) return;
  out_ << "\r\033[K" << std::flush;
  line_open_ = false;
}

}  // namespace microscale::cli
