// FuzzCheck: the invariant check of the fuzz targets. A broken invariant prints what broke
// and the input (escaped, at most 2 KiB of it), then aborts so libFuzzer saves the input as
// a crash. Header-only; used only by the fuzz targets.
#ifndef MICROSCALE_TESTS_FUZZ_FUZZ_CHECK_H_
#define MICROSCALE_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace microscale::fuzz {

inline void FuzzCheck(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\ninput: \"", what);
  for (char c : input.substr(0, 2048)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", byte);
    }
  }
  std::fprintf(stderr, "\"\n");
  std::abort();
}

}  // namespace microscale::fuzz

#endif  // MICROSCALE_TESTS_FUZZ_FUZZ_CHECK_H_
