// The etcd store on a real etcd, beyond the StateStore contract: writes fenced on a leader
// key, writes larger than one etcd transaction, an endpoint list with a dead member first,
// and etcd going away and coming back.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/etcd_mirror.h"
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

TEST_F(EtcdStoreTest, AStateLargerThanOneGrpcAnswerIsReadWhole) {
  // 30,000 assignments as agents report them (Docker's 64-digit ids): about 5 MiB of
  // records, more than one gRPC answer carries (4 MiB), and many pages of a read.
  constexpr int kCount = 30000;
  std::vector<v1::Container> containers;
  for (int i = 0; i < kCount; ++i) {
    v1::Container c = Assigned("web", i, "node-" + std::to_string(i % 1000));
    c.set_container_id(std::string(64, "0123456789abcdef"[i % 16]));
    containers.push_back(std::move(c));
  }
  absl::Status replaced = store_->ReplaceAssignments(containers);
  ASSERT_TRUE(replaced.ok()) << replaced;

  absl::StatusOr<std::vector<v1::Container>> listed = store_->ListAssignments();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), static_cast<size_t>(kCount));
  std::map<std::string, v1::Container> by_instance;
  for (const v1::Container& c : *listed) by_instance.emplace(c.instance(), c);
  EXPECT_EQ(by_instance.size(), static_cast<size_t>(kCount)) << "an instance was read twice";
  EXPECT_EQ(by_instance.at("web-12345").container_id(), std::string(64, '9'));
  EXPECT_EQ(by_instance.at("web-29999").node(), "node-999");
  // A second store, as a new leader loading the state, reads the same.
  EtcdStateStore another(client_, prefix_, clock_);
  EXPECT_EQ(another.ListAssignments()->size(), static_cast<size_t>(kCount));
  EXPECT_EQ(another.GetNextOrdinals()->at("web"), kCount);
}

TEST_F(EtcdStoreTest, ADeadEndpointFirstInTheListIsPassedOver) {
  auto client = std::make_shared<EtcdClient>(
      std::vector<std::string>{"127.0.0.1:1", etcd_->endpoint()}, nullptr, absl::Seconds(2));
  EtcdStateStore store(client, prefix_, clock_);
  ASSERT_TRUE(store.ApplyApps({Spec("web")}).ok());
  EXPECT_EQ(store.ListApps()->size(), 1u);
  EXPECT_EQ(store_->ListApps()->size(), 1u);
}

int64_t CurrentRevision(EtcdClient& client) {
  absl::StatusOr<int64_t> revision = client.Probe("/");
  EXPECT_TRUE(revision.ok()) << revision.status();
  return revision.value_or(0);
}

TEST_F(EtcdStoreTest, AMirrorFollowsItsPrefixAndServesAWarmLoad) {
  ASSERT_TRUE(store_->ApplyApps({Spec("web"), Spec("api")}).ok());  // read whole at start
  auto mirror = std::make_shared<EtcdMirror>(client_, prefix_);
  mirror->Start();
  ASSERT_TRUE(mirror->WaitFor(CurrentRevision(*client_), absl::Seconds(30)));
  // Changes after the first read come through the watch.
  ASSERT_TRUE(store_->SetStaticDemand("web", 3).ok());
  ASSERT_TRUE(
      store_->ReplaceAssignments({Assigned("web", 0, "n1"), Assigned("web", 1, "n2")}).ok());
  ASSERT_TRUE(store_->DeleteApp("api").ok());
  ASSERT_TRUE(store_->RemoveAssignment("web-0").ok());
  const int64_t revision = CurrentRevision(*client_);
  const std::string other = prefix_.substr(0, prefix_.size() - 1) + "-other/apps/x";
  PutKey(*client_, other);  // not under its prefix: neither copied nor counted
  ASSERT_TRUE(mirror->WaitFor(revision, absl::Seconds(30))) << mirror->revision();
  EXPECT_FALSE(mirror->WaitFor(revision + 1, absl::Seconds(1)));
  EXPECT_EQ(mirror->revision(), revision);
  EXPECT_EQ(mirror->Range(prefix_).header().revision(), revision);
  const etcdserverpb::RangeResponse everything = mirror->Range("/");
  for (const mvccpb::KeyValue& kv : everything.kvs()) EXPECT_NE(kv.key(), other);

  // A store that reads first from the copy loads what etcd holds without reading etcd: its
  // own client reaches no etcd at all.
  auto nowhere = std::make_shared<EtcdClient>(std::vector<std::string>{"127.0.0.1:1"}, nullptr,
                                              absl::Seconds(2));
  EtcdStateStore warm(nowhere, prefix_, clock_);
  EXPECT_FALSE(warm.ListApps().ok());
  warm.ReadFirstFrom(mirror);
  absl::StatusOr<std::vector<StoredApp>> apps = warm.ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status();
  ASSERT_EQ(apps->size(), 1u);
  EXPECT_EQ(apps->front().spec.name(), "web");
  EXPECT_EQ(apps->front().generation, store_->GetApp("web")->generation);
  EXPECT_EQ(*warm.GetStaticDemands(), *store_->GetStaticDemands());
  absl::StatusOr<std::vector<v1::Container>> assigned = warm.ListAssignments();
  ASSERT_TRUE(assigned.ok()) << assigned.status();
  ASSERT_EQ(assigned->size(), 1u);
  EXPECT_EQ(assigned->front().instance(), "web-1");
  EXPECT_EQ(*warm.GetNextOrdinals(), *store_->GetNextOrdinals());
  // Its first write goes to etcd and ends the warm reads: from then on it reads etcd.
  EXPECT_EQ(warm.SetStaticDemand("web", 5).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(warm.ListApps().status().code(), absl::StatusCode::kUnavailable);

  // Stopped, the copy is forgotten; started again, it reads the prefix whole.
  mirror->Stop();
  EXPECT_EQ(mirror->revision(), 0);
  EXPECT_EQ(mirror->Range(prefix_).kvs_size(), 0);
  EXPECT_FALSE(mirror->WaitFor(1, absl::Minutes(5)));  // at once: nothing follows etcd
  mirror->Start();
  ASSERT_TRUE(mirror->WaitFor(revision, absl::Seconds(30)));
  EXPECT_EQ(mirror->Range(prefix_ + "apps/").kvs_size(), 1);
}

}  // namespace
}  // namespace microscale
