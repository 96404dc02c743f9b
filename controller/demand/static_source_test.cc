#include "controller/demand/static_source.h"

#include "gtest/gtest.h"

namespace microscale {
namespace {

TEST(StaticDemandSourceTest, DefaultsToZeroThroughTheFactory) {
  AppSpec app;
  app.name = "web";
  auto source = MakeDemandSource(app);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(*(*source)->Read(absl::Now()), 0);
}

TEST(StaticDemandSourceTest, ReadsTheManifestValueUntilChanged) {
  AppSpec app;
  app.demand.value = 12;
  auto source = MakeDemandSource(app);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(*(*source)->Read(absl::Now()), 12);
  auto* as_static = dynamic_cast<StaticDemandSource*>(source->get());
  ASSERT_NE(as_static, nullptr);
  as_static->SetValue(3.5);
  EXPECT_EQ(*(*source)->Read(absl::Now()), 3.5);
}

}  // namespace
}  // namespace microscale
