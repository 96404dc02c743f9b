#include "controller/server/api_token.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::MatchesRegex;
using ::testing::StartsWith;

TEST(ApiToken, SecretIsPrefixAndSixtyFourHexDigitsAndNeverRepeats) {
  absl::StatusOr<std::string> a = NewTokenSecret();
  absl::StatusOr<std::string> b = NewTokenSecret();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(*a, MatchesRegex("mst_[0-9a-f]{64}"));
  EXPECT_THAT(*b, StartsWith("mst_"));
  EXPECT_NE(*a, *b);
}

TEST(ApiToken, HashIsLowercaseHexSha256) {
  EXPECT_EQ(HashTokenSecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashTokenSecret(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(HashTokenSecret("mst_a"), HashTokenSecret("mst_b"));
}

TEST(ApiToken, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abcd", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abce"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("xbcd", "abcd"));
}

}  // namespace
}  // namespace microscale
