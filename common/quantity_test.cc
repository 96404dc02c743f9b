#include "common/quantity.h"

#include <string>

#include "gtest/gtest.h"

namespace microscale {
namespace {

TEST(ParseCpuMillis, AcceptsCoresAndMillicores) {
  EXPECT_EQ(*ParseCpuMillis("250m"), 250);
  EXPECT_EQ(*ParseCpuMillis("1"), 1000);
  EXPECT_EQ(*ParseCpuMillis("0.5"), 500);
  EXPECT_EQ(*ParseCpuMillis("1.5"), 1500);
  EXPECT_EQ(*ParseCpuMillis("16"), 16000);
}

TEST(ParseCpuMillis, RefusesWithExactMessages) {
  EXPECT_EQ(ParseCpuMillis("").status().message(),
            "\"\" is not a CPU quantity (expected cores like \"0.5\" or millicores like "
            "\"250m\")");
  EXPECT_EQ(ParseCpuMillis("0").status().message(), "\"0\" must be greater than zero");
  EXPECT_EQ(ParseCpuMillis("0.0001").status().message(),
            "\"0.0001\" is not a whole number of millicores");
  EXPECT_EQ(ParseCpuMillis("1.5m").status().message(),
            "\"1.5m\" is not a whole number of millicores");
  for (const char* bad : {"-1", "abc", "1e3", "250M", "m", "1..2", " 1", "nan", "inf"}) {
    EXPECT_EQ(ParseCpuMillis(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseCpuMillis("99999999999999999999").status().message(),
            "\"99999999999999999999\" is too large");
}

TEST(ParseMemoryBytes, AcceptsBinaryDecimalAndExponent) {
  EXPECT_EQ(*ParseMemoryBytes("64Mi"), 64 << 20);
  EXPECT_EQ(*ParseMemoryBytes("4Gi"), int64_t{4} << 30);
  EXPECT_EQ(*ParseMemoryBytes("1G"), 1'000'000'000);
  EXPECT_EQ(*ParseMemoryBytes("128974848"), 128974848);
  EXPECT_EQ(*ParseMemoryBytes("129e6"), 129'000'000);
  EXPECT_EQ(*ParseMemoryBytes("1.5Ki"), 1536);
  EXPECT_EQ(*ParseMemoryBytes("1k"), 1000);
}

TEST(ParseMemoryBytes, RefusesWithExactMessages) {
  EXPECT_EQ(ParseMemoryBytes("64MB").status().message(),
            "\"64MB\" is not a memory quantity (expected bytes like \"64Mi\", \"1G\" or "
            "\"134217728\")");
  EXPECT_EQ(ParseMemoryBytes("0Mi").status().message(), "\"0Mi\" must be greater than zero");
  EXPECT_EQ(ParseMemoryBytes("0.5").status().message(), "\"0.5\" is not a whole number of bytes");
  EXPECT_EQ(ParseMemoryBytes("100Ei").status().message(), "\"100Ei\" is too large");
  for (const char* bad : {"", "Mi", "-1Mi", "1e", "1e999", "abc", "1 Mi", "\xff"}) {
    EXPECT_EQ(ParseMemoryBytes(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseDuration, AcceptsUnitsAndSequences) {
  EXPECT_EQ(*ParseDuration("10s"), absl::Seconds(10));
  EXPECT_EQ(*ParseDuration("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDuration("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseDuration("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDuration("2h"), absl::Hours(2));
  EXPECT_EQ(*ParseDuration("0s"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("250us"), absl::Microseconds(250));
}

TEST(ParseDuration, RefusesWithExactMessages) {
  const std::string expected =
      " is not a duration (expected a number and a unit, like \"10s\", \"500ms\" or "
      "\"1m30s\"; units ns, us, ms, s, m, h)";
  EXPECT_EQ(ParseDuration("10").status().message(), "\"10\"" + expected);
  EXPECT_EQ(ParseDuration("").status().message(), "\"\"" + expected);
  EXPECT_EQ(ParseDuration("ten seconds").status().message(), "\"ten seconds\"" + expected);
  for (const char* bad : {"-1s", "s", "10x", "1d", "1.2.3s", "10 s"}) {
    EXPECT_EQ(ParseDuration(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseDuration("99999999999999h").status().message(),
            "\"99999999999999h\" is too large");
}

TEST(FormatQuantities, RoundTrip) {
  EXPECT_EQ(FormatCpuMillis(250), "250m");
  EXPECT_EQ(FormatCpuMillis(2000), "2");
  EXPECT_EQ(FormatMemoryBytes(64 << 20), "64Mi");
  EXPECT_EQ(FormatMemoryBytes(1000), "1000");
  for (int64_t v : {int64_t{1}, int64_t{1536}, int64_t{3} << 30, int64_t{999}}) {
    EXPECT_EQ(*ParseMemoryBytes(FormatMemoryBytes(v)), v);
  }
  for (int64_t v : {1, 250, 1000, 1500, 64000}) {
    EXPECT_EQ(*ParseCpuMillis(FormatCpuMillis(v)), v);
  }
}

}  // namespace
}  // namespace microscale
