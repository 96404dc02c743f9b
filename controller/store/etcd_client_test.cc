#include "controller/store/etcd_client.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseEtcdUrlTest, ListsTheEndpoints) {
  auto one = ParseEtcdUrl("etcd://127.0.0.1:2379");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_THAT(*one, ElementsAre("127.0.0.1:2379"));
  auto three = ParseEtcdUrl("etcd://e1:2379,[::1]:2379,e3.example:12379");
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_THAT(*three, ElementsAre("e1:2379", "[::1]:2379", "e3.example:12379"));
}

TEST(ParseEtcdUrlTest, RefusesMalformedValuesWithTheReason) {
  struct Case {
    std::string url;
    std::string why;
  };
  const Case cases[] = {
      {"etcd:/h:2379", "must be sqlite or etcd://host:port[,host:port...]"},
      {"http://h:2379", "must be sqlite or etcd://host:port[,host:port...]"},
      {"etcd://", "an etcd endpoint is empty"},
      {"etcd://h:2379,", "an etcd endpoint is empty"},
      {"etcd://h", "etcd endpoint \"h\" must be host:port"},
      {"etcd://h:0", "etcd endpoint \"h:0\""},
      {"etcd://h:2379/prefix", "etcd endpoint \"h:2379/prefix\""},
  };
  for (const Case& c : cases) {
    auto parsed = ParseEtcdUrl(c.url);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.why)) << c.url;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("(got \"" + c.url + "\")"));
  }
}

TEST(PrefixEndTest, IsThePrefixWithItsLastByteRaised) {
  EXPECT_EQ(PrefixEnd("/microscale/a/"), "/microscale/a0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST(EtcdClientTest, NoEndpointAnsweringIsUnavailableNamingEachEndpoint) {
  EtcdClient client({"127.0.0.1:1", "127.0.0.1:2"}, nullptr, absl::Seconds(1));
  auto read = client.RangePrefix("/x/");
  EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable) << read.status();
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("etcd did not answer a read"));
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("127.0.0.1:1"));
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("127.0.0.1:2"));
}

}  // namespace
}  // namespace microscale
