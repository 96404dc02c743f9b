// Fuzzes the quantity and duration parsers. They must never crash; a value they accept
// must format to a spelling that parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "common/quantity.h"

namespace {

void Check(bool condition, const char* what, std::string_view input) {
  if (condition) return;
  std::fprintf(stderr, "quantity_fuzz: %s for input \"%.*s\"\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

// absl::FormatDuration writes "0" for zero, which is not a duration without a unit.
std::string DurationText(absl::Duration d) {
  return d == absl::ZeroDuration() ? "0s" : absl::FormatDuration(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (absl::StatusOr<int64_t> cpu = microscale::ParseCpuMillis(text); cpu.ok()) {
    Check(*cpu > 0, "CPU must be > 0", text);
    absl::StatusOr<int64_t> again = microscale::ParseCpuMillis(microscale::FormatCpuMillis(*cpu));
    Check(again.ok() && *again == *cpu, "CPU must round trip", text);
  }
  if (absl::StatusOr<int64_t> bytes = microscale::ParseMemoryBytes(text); bytes.ok()) {
    Check(*bytes > 0, "memory must be > 0", text);
    absl::StatusOr<int64_t> again =
        microscale::ParseMemoryBytes(microscale::FormatMemoryBytes(*bytes));
    Check(again.ok() && *again == *bytes, "memory must round trip", text);
  }
  if (absl::StatusOr<absl::Duration> d = microscale::ParseDuration(text); d.ok()) {
    Check(*d >= absl::ZeroDuration(), "a duration must be >= 0", text);
    absl::StatusOr<absl::Duration> again = microscale::ParseDuration(DurationText(*d));
    // Durations are summed in double precision, so allow a nanosecond per 10^9.
    absl::Duration slack = absl::Nanoseconds(2) + *d / 1000000000;
    Check(again.ok() && absl::AbsDuration(*again - *d) <= slack, "a duration must round trip",
          text);
  }
  return 0;
}
