// The etcd store on a real etcd, beyond the StateStore contract: writes fenced on a leader
// key, writes larger than one etcd transaction, an endpoint list with a dead member first,
// and etcd going away and coming back.
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/etcd_state_store.h"
#include "controller/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/store/etcd_test_server.h"

namespace microscale {
namespace {

using ::microscale::testing::Assigned;
using ::microscale::testing::Spec;
using ::testing::HasSubstr;

etcdserverpb::PutResponse PutKey(EtcdClient& client, const std::string& key) {
  etcdserverpb::TxnRequest txn;
  txn.add_success()->mutable_request_put()->set_key(key);
  txn.mutable_success(0)->mutable_request_put()->set_value("me");
  auto done = client.Txn(txn);
  EXPECT_TRUE(done.ok()) << done.status();
  return done.ok() ? done->responses(0).response_put() : etcdserverpb::PutResponse{};
}

int64_t CreateRevision(EtcdClient& client, const std::string& key) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  auto read = client.Range(request);
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() && read->kvs_size() > 0 ? read->kvs(0).create_revision() : 0;
}

class EtcdStoreTest : public testing::EtcdTest {
 protected:
  EtcdStoreTest() : EtcdTest("store-test") {}
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_unique<EtcdStateStore>(client_, prefix_, clock_);
  }

  FakeClock clock_;
  std::unique_ptr<EtcdStateStore> store_;
};

TEST_F(EtcdStoreTest, AFencedWriteFailsOnceTheLeaderKeyIsGoneOrRecreated) {
  const std::string leader = prefix_ + "leader";
  PutKey(*client_, leader);
  store_->FenceOn(leader, CreateRevision(*client_, leader));
  ASSERT_TRUE(store_->ApplyApps({Spec("web")}).ok());
  ASSERT_TRUE(store_->SetStaticDemand("web", 3).ok());

  // Another controller's leadership: the key deleted and made again.
  etcdserverpb::TxnRequest remove;
  remove.add_success()->mutable_request_delete_range()->set_key(leader);
  ASSERT_TRUE(client_->Txn(remove).ok());
  PutKey(*client_, leader);

  absl::Status write = store_->SetStaticDemand("web", 9);
  EXPECT_EQ(write.code(), absl::StatusCode::kFailedPrecondition) << write;
  EXPECT_THAT(std::string(write.message()), HasSubstr("no longer holds leadership"));
  EXPECT_EQ(store_->ApplyApps({Spec("api")}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->UpsertAssignment(Assigned("web", 0, "n1")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->DeleteApp("web").code(), absl::StatusCode::kFailedPrecondition);
  // Nothing of those writes landed.
  EXPECT_EQ(store_->GetStaticDemands()->at("web"), 3);
  EXPECT_EQ(store_->ListApps()->size(), 1u);
  EXPECT_TRUE(store_->ListAssignments()->empty());
  EXPECT_TRUE(store_->GetNextOrdinals()->empty());
}

TEST_F(EtcdStoreTest, AFencedStoreTellsItsOwnMissesFromLostLeadership) {
  const std::string leader = prefix_ + "leader";
  PutKey(*client_, leader);
  store_->FenceOn(leader, CreateRevision(*client_, leader));
  EXPECT_EQ(store_->DeleteApp("absent").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->CreateToken("ci", "read", std::string(64, 'a')).ok());
  EXPECT_EQ(store_->CreateToken("ci", "read", std::string(64, 'b')).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(EtcdStoreTest, WritesLargerThanOneTransactionLandWhole) {
  std::vector<v1::Container> containers;
  for (int i = 0; i < 1000; ++i)
    containers.push_back(Assigned("web", i, "n" + std::to_string(i % 7)));
  absl::Status replaced = store_->ReplaceAssignments(containers);
  ASSERT_TRUE(replaced.ok()) << replaced;
  EXPECT_EQ(store_->ListAssignments()->size(), 1000u);
  EXPECT_EQ(store_->GetNextOrdinals()->at("web"), 1000);

  AssignmentChanges changes;
  for (int i = 0; i < 400; ++i) changes.removals.push_back("web-" + std::to_string(i));
  for (int i = 1000; i < 1300; ++i) changes.upserts.push_back(Assigned("web", i, "n1"));
  ASSERT_TRUE(store_->ApplyAssignmentChanges(changes).ok());
  EXPECT_EQ(store_->ListAssignments()->size(), 900u);
  EXPECT_EQ(store_->GetNextOrdinals()->at("web"), 1300);

  std::vector<v1::AppSpec> apps;
  for (int i = 0; i < 300; ++i) apps.push_back(Spec("app" + std::to_string(i)));
  auto applied = store_->ApplyApps(apps);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(store_->ListApps()->size(), 300u);
}

TEST_F(EtcdStoreTest, ADeadEndpointFirstInTheListIsPassedOver) {
  auto client = std::make_shared<EtcdClient>(
      std::vector<std::string>{"127.0.0.1:1", etcd_->endpoint()}, nullptr, absl::Seconds(2));
  EtcdStateStore store(client, prefix_, clock_);
  ASSERT_TRUE(store.ApplyApps({Spec("web")}).ok());
  EXPECT_EQ(store.ListApps()->size(), 1u);
  EXPECT_EQ(store_->ListApps()->size(), 1u);
}

}  // namespace
}  // namespace microscale
