#include "common/manifest/prescan.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace microscale::manifest_internal {
namespace {

// The length of the UTF-8 sequence at the start of `s`, or 0 if it is not valid UTF-8.
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

absl::Status CheckText(std::string_view text) {
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return absl::InvalidArgumentError(
          absl::StrFormat("manifest is not YAML text: control character 0x%02x at line %d, "
                          "column %d",
                          c, line, i - line_start + 1));
    }
    size_t len = Utf8SequenceLength(text.substr(i));
    if (len == 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("manifest is not UTF-8 text: invalid byte 0x%02x at line %d, column %d",
                          c, line, i - line_start + 1));
    }
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    }
    i += len;
  }
  return absl::OkStatus();
}

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Estimates, line by line, how deeply the YAML nests; see prescan.h.
class DepthEstimator {
 public:
  // The largest depth reached within `line` (without its line break).
  size_t Line(std::string_view line);

 private:
  size_t Depth() const { return block_.size() + flow_; }
  void Reset();
  bool StartsBlockLine(std::string_view line, size_t indent);
  size_t Scan(std::string_view line, size_t from, size_t indent);

  std::vector<size_t> block_;  // columns of the open block collections
  size_t flow_ = 0;            // open [ and {
  char quote_ = 0;             // '"' or '\'' inside a quoted scalar
  // Inside a | or > block scalar: its indent. (A plain pair, not std::optional: GCC 12 at
  // -O3 reports a false maybe-uninitialized on the optional.)
  bool in_block_scalar_ = false;
  size_t block_scalar_indent_ = 0;
};

void DepthEstimator::Reset() {
  block_.clear();
  flow_ = 0;
  quote_ = 0;
  in_block_scalar_ = false;
}

size_t DepthEstimator::Line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t from = 0;
  if ((line.starts_with("---") || line.starts_with("...")) &&
      (line.size() == 3 || IsBlank(line[3]))) {
    Reset();
    from = 3;
  }
  size_t indent = from;
  while (indent < line.size() && line[indent] == ' ') ++indent;
  if (in_block_scalar_) {
    if (indent == line.size() || indent > block_scalar_indent_) return Depth();
    in_block_scalar_ = false;
  }
  if (quote_ == 0 && flow_ == 0 && !StartsBlockLine(line, indent)) return Depth();
  return Scan(line, indent, indent);
}

// Updates the block stack for a line outside quotes and brackets; false for a line with
// nothing but blanks or a comment.
bool DepthEstimator::StartsBlockLine(std::string_view line, size_t indent) {
  if (indent == line.size() || line[indent] == '#' || line[indent] == '\t') return false;
  while (!block_.empty() && block_.back() > indent) block_.pop_back();
  if (block_.empty() || block_.back() < indent) block_.push_back(indent);
  return true;
}

size_t DepthEstimator::Scan(std::string_view line, size_t from, size_t indent) {
  size_t deepest = Depth();
  for (size_t i = from; i < line.size(); ++i) {
    char c = line[i];
    if (quote_ == '"') {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quote_ = 0;
      }
      continue;
    }
    if (quote_ == '\'') {
      if (c == '\'') quote_ = 0;  // a doubled '' reopens at the next character
      continue;
    }
    char prev = i == 0 ? ' ' : line[i - 1];
    bool token_start =
        i == indent || IsBlank(prev) || prev == '[' || prev == '{' || prev == ',' || prev == ':';
    bool then_blank = i + 1 == line.size() || IsBlank(line[i + 1]);
    if (c == '#' && IsBlank(prev)) break;
    if ((c == '"' || c == '\'') && token_start) {
      quote_ = c;
    } else if (c == '[' || c == '{') {
      ++flow_;
    } else if ((c == ']' || c == '}') && flow_ > 0) {
      --flow_;
    } else if (flow_ == 0 && (c == '-' || c == '?') && token_start && then_blank) {
      block_.push_back(i + 1);
    } else if (flow_ == 0 && (c == '|' || c == '>') && token_start) {
      in_block_scalar_ = true;
      block_scalar_indent_ = indent;
      break;
    }
    deepest = std::max(deepest, Depth());
  }
  return deepest;
}

absl::Status CheckNesting(std::string_view text) {
  DepthEstimator estimator;
  size_t line_number = 1;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (estimator.Line(line) > static_cast<size_t>(kMaxNesting)) {
      return absl::InvalidArgumentError(absl::StrCat("manifest nests deeper than ", kMaxNesting,
                                                     " levels (at line ", line_number, ")"));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    ++line_number;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrescanManifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "manifest is ", text.size(), " bytes; the limit is ", kMaxManifestBytes, " bytes (1 MiB)"));
  }
  if (text.empty()) return absl::InvalidArgumentError("manifest is empty");
  absl::Status status = CheckText(text);
  if (!status.ok()) return status;
  return CheckNesting(text);
}

}  // namespace microscale::manifest_internal
