#include "controller/core/instance_id.h"

#include "gtest/gtest.h"

namespace microscale::core {
namespace {

TEST(InstanceIdTest, FormatsAppAndOrdinal) {
  EXPECT_EQ(InstanceId("checkout-api", 7), "checkout-api-7");
  EXPECT_EQ(ContainerName("checkout-api-7"), "microscale-checkout-api-7");
}

TEST(InstanceIdTest, ParsesOrdinalOnlyForItsApp) {
  EXPECT_EQ(InstanceOrdinal("checkout-api", "checkout-api-7"), 7);
  EXPECT_EQ(InstanceOrdinal("web", "web-0"), 0);
  EXPECT_EQ(InstanceOrdinal("web", "web-a1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "web-"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "webx-1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "api-1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "web--1"), std::nullopt);
  EXPECT_EQ(InstanceOrdinal("web", "web-99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace microscale::core
