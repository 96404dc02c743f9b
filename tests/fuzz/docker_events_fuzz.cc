// Fuzzes the framing of the Docker Engine's /events stream: EventLineSplitter cuts the
// bytes of one long HTTP response, arriving in chunks of any size, into lines that
// ParseEngineEvent reads. The first input byte sets the longest line kept (so over-long
// lines are exercised); the bytes after the first '\0' set the chunk sizes. Invariants:
//  - the lines do not depend on how the stream was chunked: they are exactly the
//    newline-terminated, non-empty lines of at most max_line bytes, in order;
//  - no line holds a newline; a trailing unfinished line is held back, not delivered;
//  - after Reset the splitter starts clean.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node-agent/docker/docker_events.h"
#include "node-agent/docker/docker_json.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using microscale::docker::EventLineSplitter;
using microscale::fuzz::FuzzCheck;

// What the splitter must deliver for `stream`, computed in one pass.
std::vector<std::string> ExpectedLines(std::string_view stream, size_t max_line) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t eol = stream.find('\n'); eol != std::string_view::npos;
       eol = stream.find('\n', start)) {
    std::string_view line = stream.substr(start, eol - start);
    if (!line.empty() && line.size() <= max_line) lines.emplace_back(line);
    start = eol + 1;
  }
  return lines;
}

std::vector<std::string> SplitInChunks(EventLineSplitter& splitter, std::string_view stream,
                                       std::string_view chunk_sizes) {
  std::vector<std::string> lines;
  auto collect = [&lines](std::string_view line) { lines.emplace_back(line); };
  size_t next_size = 0;
  while (!stream.empty()) {
    size_t size = 1;
    if (!chunk_sizes.empty()) {
      size = 1 + static_cast<unsigned char>(chunk_sizes[next_size % chunk_sizes.size()]);
      ++next_size;
    } else {
      size = stream.size();
    }
    size = std::min(size, stream.size());
    splitter.Feed(stream.substr(0, size), collect);
    stream.remove_prefix(size);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const size_t max_line = 1 + static_cast<unsigned char>(input[0]) * 4;
  input.remove_prefix(1);
  size_t cut = input.find('\0');
  std::string_view stream = input.substr(0, cut);
  std::string_view chunk_sizes = cut == std::string_view::npos ? "" : input.substr(cut + 1);

  const std::vector<std::string> expected = ExpectedLines(stream, max_line);
  EventLineSplitter splitter(max_line);
  std::vector<std::string> lines = SplitInChunks(splitter, stream, chunk_sizes);
  FuzzCheck(lines == expected, "lines must not depend on the chunking", input);
  for (const std::string& line : lines) {
    FuzzCheck(line.find('\n') == std::string::npos, "a line holds no newline", input);
    (void)microscale::docker::ParseEngineEvent(line);
  }

  splitter.Reset();
  std::vector<std::string> again = SplitInChunks(splitter, stream, "");
  FuzzCheck(again == expected, "after Reset the splitter starts clean", input);
  return 0;
}
