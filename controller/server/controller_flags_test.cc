#include "controller/server/controller_flags.h"

#include <stdlib.h>

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

// Flags that must be refused: exit code 2, no config, and a message containing `message`.
struct UsageCase {
  std::vector<std::string> args;
  std::string message;
};
template <size_t N>
void ExpectUsageErrors(const UsageCase (&cases)[N]) {
  for (const UsageCase& c : cases) {
    ControllerFlagsResult r = Parse(c.args);
    EXPECT_FALSE(r.config.has_value()) << c.message;
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_THAT(r.message, HasSubstr(c.message));
  }
}

TEST(ControllerFlagsTest, BadStoreValuesAreUsageErrorsNamingTheFlag) {
  const UsageCase cases[] = {
      {{"--store", "postgres"}, "--store: must be sqlite or etcd://host:port[,host:port...]"},
      {{"--store", "etcd://"}, "--store: an etcd endpoint is empty"},
      {{"--store", "etcd://e:2379,e2"}, "--store: etcd endpoint \"e2\" must be host:port"},
      {{"--store", "etcd://e:2379", "--etcd-prefix", "microscale"},
       "--etcd-prefix: must start and end with '/'"},
      {{"--store", "etcd://e:2379", "--etcd-prefix", ""},
       "--etcd-prefix: must start and end with '/'"},
  };
  ExpectUsageErrors(cases);
}

TEST(ControllerFlagsTest, EtcdTlsFlagsAndTheirEnvTwinsNameTheFilesForEtcd) {
  ControllerFlagsResult r = Parse({"--store", "etcd://127.0.0.1:2379", "--etcd-tls-cert", "c.crt",
                                   "--etcd-tls-key", "c.key", "--etcd-tls-ca", "ca.crt"});
  ASSERT_TRUE(r.config.has_value()) << r.message;
  EXPECT_EQ(r.config->etcd_tls.cert, "c.crt");
  EXPECT_EQ(r.config->etcd_tls.key, "c.key");
  EXPECT_EQ(r.config->etcd_tls.ca, "ca.crt");
  EXPECT_EQ(r.config->etcd_credentials, nullptr) << "the files are read by LoadEtcdCredentials";

  ControllerFlagsResult ca_only = Parse({"--store", "etcd://e:2379", "--etcd-tls-ca", "ca.crt"});
  ASSERT_TRUE(ca_only.config.has_value()) << ca_only.message;
  EXPECT_EQ(ca_only.config->etcd_tls.ca, "ca.crt");

  setenv("MICROSCALE_ETCD_TLS_CA", "env-ca.crt", 1);
  ControllerFlagsResult from_env = Parse({"--store", "etcd://e:2379"});
  unsetenv("MICROSCALE_ETCD_TLS_CA");
  ASSERT_TRUE(from_env.config.has_value()) << from_env.message;
  EXPECT_EQ(from_env.config->etcd_tls.ca, "env-ca.crt");
}

TEST(ControllerFlagsTest, IncompleteOrMisplacedEtcdTlsFlagsAreUsageErrors) {
  const UsageCase cases[] = {
      {{"--store", "etcd://e:2379", "--etcd-tls-cert", "c.crt", "--etcd-tls-ca", "ca.crt"},
       "--etcd-tls-key is required with --etcd-tls-cert"},
      {{"--store", "etcd://e:2379", "--etcd-tls-key", "c.key", "--etcd-tls-ca", "ca.crt"},
       "--etcd-tls-cert is required with --etcd-tls-ca"},
      {{"--store", "etcd://e:2379", "--etcd-tls-cert", "c.crt", "--etcd-tls-key", "c.key"},
       "--etcd-tls-ca is required"},
      {{"--etcd-tls-ca", "ca.crt"}, "only mean something with --store etcd://"},
  };
  ExpectUsageErrors(cases);
}

TEST(ControllerFlagsTest, LoadEtcdCredentialsNamesTheFlagAndWhyAFileCannotBeRead) {
  ControllerFlagsResult plain = Parse({"--store", "etcd://e:2379"});
  ASSERT_TRUE(plain.config.has_value()) << plain.message;
  EXPECT_TRUE(LoadEtcdCredentials(*plain.config).ok());
  EXPECT_EQ(plain.config->etcd_credentials, nullptr);

  ControllerFlagsResult missing =
      Parse({"--store", "etcd://e:2379", "--etcd-tls-ca", "/nonexistent/etcd-ca.crt"});
  ASSERT_TRUE(missing.config.has_value()) << missing.message;
  absl::Status s = LoadEtcdCredentials(*missing.config);
  EXPECT_THAT(s.message(), HasSubstr("--etcd-tls-ca /nonexistent/etcd-ca.crt: cannot be read "
                                     "(No such file or directory)"));
  EXPECT_EQ(missing.config->etcd_credentials, nullptr);
}

}  // namespace
}  // namespace microscale
