#include "controller/server/controller_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ControllerFlagsResult Parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv = {"microscale-controller"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseControllerFlags(static_cast<int>(argv.size()), argv.data(), "test");
}

TEST(ControllerFlagsTest, StoreIsSqliteUnlessAnEtcdUrlIsGiven) {
  ControllerFlagsResult sqlite = Parse({});
  ASSERT_TRUE(sqlite.config.has_value()) << sqlite.message;
  EXPECT_EQ(sqlite.config->store, "sqlite");
  EXPECT_TRUE(sqlite.config->etcd_endpoints.empty());

  ControllerFlagsResult etcd =
      Parse({"--store", "etcd://10.0.0.1:2379,10.0.0.2:2379", "--cluster-name", "prod"});
  ASSERT_TRUE(etcd.config.has_value()) << etcd.message;
  EXPECT_THAT(etcd.config->etcd_endpoints, ElementsAre("10.0.0.1:2379", "10.0.0.2:2379"));
  EXPECT_EQ(etcd.config->etcd_prefix, "/microscale/prod/");

  ControllerFlagsResult prefixed =
      Parse({"--store", "etcd://e:2379", "--etcd-prefix", "/team/<cluster-name>/x/"});
  ASSERT_TRUE(prefixed.config.has_value()) << prefixed.message;
  EXPECT_EQ(prefixed.config->etcd_prefix, "/team/default/x/");
}

TEST(ControllerFlagsTest, BadStoreValuesAreUsageErrorsNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--store", "postgres"}, "--store: must be sqlite or etcd://host:port[,host:port...]"},
      {{"--store", "etcd://"}, "--store: an etcd endpoint is empty"},
      {{"--store", "etcd://e:2379,e2"}, "--store: etcd endpoint \"e2\" must be host:port"},
      {{"--store", "etcd://e:2379", "--etcd-prefix", "microscale"},
       "--etcd-prefix: must start and end with '/'"},
      {{"--store", "etcd://e:2379", "--etcd-prefix", ""},
       "--etcd-prefix: must start and end with '/'"},
  };
  for (const Case& c : cases) {
    ControllerFlagsResult r = Parse(c.args);
    EXPECT_FALSE(r.config.has_value()) << c.message;
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_THAT(r.message, HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace microscale
