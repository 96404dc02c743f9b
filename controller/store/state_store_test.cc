// Behaviour every StateStore must have, run against each store StoreKinds() names: the
// SQLite and the in-memory store in the unit tests, the etcd store (on a real etcd) in the
// integration tests.
#include "controller/store/state_store.h"

#include <functional>
#include <memory>
#include <thread>

#include "common/clock.h"
#include "controller/store/store_kinds.h"
#include "controller/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::microscale::testing::Assigned;
using ::microscale::testing::Spec;
using ::microscale::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class StateStoreTest : public ::testing::TestWithParam<testing::StoreKind> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_.path(), clock_);
    ASSERT_NE(store_, nullptr);
  }

  std::vector<std::string> AppNames() {
    auto apps = store_->ListApps();
    EXPECT_TRUE(apps.ok()) << apps.status();
    std::vector<std::string> names;
    for (const StoredApp& app : *apps) names.push_back(app.spec.name());
    return names;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreTest, ApplyCreatesThenKeepsThenConfigures) {
  absl::Time created = clock_.Now();
  auto first = store_->ApplyApps({Spec("web")});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(*first, ElementsAre(AppChange{"web", ApplyAction::kCreated, 1}));

  clock_.Advance(absl::Minutes(5));
  auto again = store_->ApplyApps({Spec("web")});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(*again, ElementsAre(AppChange{"web", ApplyAction::kUnchanged, 1}));

  auto changed = store_->ApplyApps({Spec("web", 1)});
  ASSERT_TRUE(changed.ok());
  EXPECT_THAT(*changed, ElementsAre(AppChange{"web", ApplyAction::kConfigured, 2}));

  auto app = store_->GetApp("web");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->spec.priority(), 1);
  EXPECT_EQ(app->generation, 2);
  EXPECT_EQ(app->created, created);
}

TEST_P(StateStoreTest, ApplyReportsEachAppInOrder) {
  ASSERT_TRUE(store_->ApplyApps({Spec("b")}).ok());
  auto changes = store_->ApplyApps({Spec("c"), Spec("b"), Spec("a", 2)});
  ASSERT_TRUE(changes.ok());
  EXPECT_THAT(*changes, ElementsAre(AppChange{"c", ApplyAction::kCreated, 1},
                                    AppChange{"b", ApplyAction::kUnchanged, 1},
                                    AppChange{"a", ApplyAction::kCreated, 1}));
  EXPECT_THAT(AppNames(), ElementsAre("a", "b", "c"));
  EXPECT_STREQ(ApplyActionName(ApplyAction::kConfigured), "configured");
}

TEST_P(StateStoreTest, FailureMidApplyChangesNothing) {
  ASSERT_TRUE(store_->ApplyApps({Spec("existing")}).ok());
  // The third app is refused after the first two were written in the same transaction.
  auto result = store_->ApplyApps({Spec("fresh"), Spec("existing", 1), Spec("")});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(AppNames(), ElementsAre("existing"));
  auto existing = store_->GetApp("existing");
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ(existing->spec.priority(), 10);
  EXPECT_EQ(existing->generation, 1);
}

TEST_P(StateStoreTest, DuplicateNamesInOneApplyAreRefused) {
  auto result = store_->ApplyApps({Spec("web"), Spec("web", 2)});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("web"));
  EXPECT_TRUE(AppNames().empty());
}

TEST_P(StateStoreTest, GetAndDeleteOfUnknownAppAreNotFound) {
  EXPECT_EQ(store_->GetApp("ghost").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteApp("ghost").code(), absl::StatusCode::kNotFound);
}

TEST_P(StateStoreTest, DeleteForgetsAppAndDemandButKeepsAssignmentsAndCounter) {
  ASSERT_TRUE(store_->ApplyApps({Spec("web"), Spec("api")}).ok());
  ASSERT_TRUE(store_->SetStaticDemand("web", 7).ok());
  ASSERT_TRUE(store_->UpsertAssignment(Assigned("web", 3, "n1")).ok());

  ASSERT_TRUE(store_->DeleteApp("web").ok());
  EXPECT_THAT(AppNames(), ElementsAre("api"));
  EXPECT_TRUE(store_->GetStaticDemands()->empty());
  EXPECT_EQ(store_->ListAssignments()->size(), 1u);
  EXPECT_THAT(*store_->GetNextOrdinals(), ElementsAre(Pair("web", 4)));

  auto recreated = store_->ApplyApps({Spec("web")});
  ASSERT_TRUE(recreated.ok());
  EXPECT_THAT(*recreated, ElementsAre(AppChange{"web", ApplyAction::kCreated, 1}));
  EXPECT_THAT(*store_->GetNextOrdinals(), ElementsAre(Pair("web", 4)));
}

TEST_P(StateStoreTest, StaticDemandIsKeptPerApp) {
  ASSERT_TRUE(store_->ApplyApps({Spec("web"), Spec("api")}).ok());
  ASSERT_TRUE(store_->SetStaticDemand("web", 12.5).ok());
  ASSERT_TRUE(store_->SetStaticDemand("api", 1).ok());
  ASSERT_TRUE(store_->SetStaticDemand("web", 3).ok());
  EXPECT_THAT(*store_->GetStaticDemands(), UnorderedElementsAre(Pair("web", 3), Pair("api", 1)));
  EXPECT_EQ(store_->SetStaticDemand("ghost", 1).code(), absl::StatusCode::kNotFound);
}

TEST_P(StateStoreTest, ChangedDemandSpecForgetsTheStaticValue) {
  ASSERT_TRUE(store_->ApplyApps({Spec("web"), Spec("api")}).ok());
  ASSERT_TRUE(store_->SetStaticDemand("web", 7).ok());
  ASSERT_TRUE(store_->SetStaticDemand("api", 9).ok());
  // Another priority keeps the value; another demand spec forgets it, in the same apply.
  v1::AppSpec web = Spec("web");
  web.mutable_demand()->set_target_per_container(web.demand().target_per_container() + 1);
  auto changes = store_->ApplyApps({web, Spec("api", 1)});
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_THAT(*changes, ElementsAre(AppChange{"web", ApplyAction::kConfigured, 2},
                                    AppChange{"api", ApplyAction::kConfigured, 2}));
  EXPECT_THAT(*store_->GetStaticDemands(), ElementsAre(Pair("api", 9)));
}

TEST_P(StateStoreTest, CordonsAreSetAndClearedIdempotently) {
  ASSERT_TRUE(store_->SetCordon("n1", true).ok());
  ASSERT_TRUE(store_->SetCordon("n1", true).ok());
  ASSERT_TRUE(store_->SetCordon("n2", true).ok());
  ASSERT_TRUE(store_->SetCordon("n3", false).ok());
  EXPECT_THAT(*store_->ListCordons(), ElementsAre("n1", "n2"));
  ASSERT_TRUE(store_->SetCordon("n1", false).ok());
  EXPECT_THAT(*store_->ListCordons(), ElementsAre("n2"));
  EXPECT_EQ(store_->SetCordon("", true).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListDraining()->empty());
}

TEST_P(StateStoreTest, DrainMarksGoWithTheirCordon) {
  ASSERT_TRUE(store_->SetCordon("n1", true, true).ok());
  ASSERT_TRUE(store_->SetCordon("n2", true).ok());
  EXPECT_THAT(*store_->ListCordons(), ElementsAre("n1", "n2"));
  EXPECT_THAT(*store_->ListDraining(), ElementsAre("n1"));
  ASSERT_TRUE(store_->SetCordon("n1", true).ok());  // cordon again without draining
  EXPECT_TRUE(store_->ListDraining()->empty());
  ASSERT_TRUE(store_->SetCordon("n2", true, true).ok());
  ASSERT_TRUE(store_->SetCordon("n2", false, true).ok());  // uncordon ends the drain
  EXPECT_THAT(*store_->ListCordons(), ElementsAre("n1"));
  EXPECT_TRUE(store_->ListDraining()->empty());
}

TEST_P(StateStoreTest, AssignmentsAreReplacedUpsertedAndRemoved) {
  ASSERT_TRUE(
      store_->ReplaceAssignments({Assigned("web", 1, "n1"), Assigned("api", 0, "n2")}).ok());
  v1::Container moved = Assigned("web", 1, "n2");
  moved.set_state(v1::CONTAINER_STATE_PAUSED);
  ASSERT_TRUE(store_->UpsertAssignment(moved).ok());
  ASSERT_TRUE(store_->UpsertAssignment(Assigned("web", 2, "n1")).ok());
  ASSERT_TRUE(store_->RemoveAssignment("api-0").ok());
  ASSERT_TRUE(store_->RemoveAssignment("absent-9").ok());

  auto list = store_->ListAssignments();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].instance(), "web-1");
  EXPECT_EQ((*list)[0].node(), "n2");
  EXPECT_EQ((*list)[0].state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ((*list)[0].container_id(), "cid-web-1");
  EXPECT_EQ((*list)[1].instance(), "web-2");

  ASSERT_TRUE(store_->ReplaceAssignments({Assigned("api", 5, "n1")}).ok());
  list = store_->ListAssignments();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].instance(), "api-5");
}

TEST_P(StateStoreTest, BadAssignmentsChangeNothing) {
  ASSERT_TRUE(store_->ReplaceAssignments({Assigned("web", 1, "n1")}).ok());
  v1::Container no_id = Assigned("web", 2, "n1");
  no_id.clear_instance();
  EXPECT_EQ(store_->ReplaceAssignments({Assigned("web", 3, "n1"), no_id}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ReplaceAssignments({Assigned("web", 3, "n1"), Assigned("web", 3, "n2")}).code(),
            absl::StatusCode::kInvalidArgument);
  auto list = store_->ListAssignments();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].instance(), "web-1");
}

TEST_P(StateStoreTest, AssignmentChangesApplyAsOneDiff) {
  ASSERT_TRUE(
      store_->ReplaceAssignments({Assigned("web", 1, "n1"), Assigned("api", 0, "n2")}).ok());
  AssignmentChanges changes;
  changes.upserts = {Assigned("web", 1, "n3"), Assigned("web", 7, "n1")};
  changes.removals = {"api-0", "absent-9"};
  ASSERT_TRUE(store_->ApplyAssignmentChanges(changes).ok());
  auto list = store_->ListAssignments();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].instance(), "web-1");
  EXPECT_EQ((*list)[0].node(), "n3");
  EXPECT_EQ((*list)[1].instance(), "web-7");
  EXPECT_EQ((*store_->GetNextOrdinals())["web"], 8);

  // A bad upsert changes nothing, removals included.
  v1::Container no_id = Assigned("web", 8, "n1");
  no_id.clear_instance();
  AssignmentChanges bad;
  bad.upserts = {Assigned("web", 9, "n1"), no_id};
  bad.removals = {"web-1"};
  EXPECT_EQ(store_->ApplyAssignmentChanges(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListAssignments()->size(), 2u);
  EXPECT_EQ((*store_->GetNextOrdinals())["web"], 8);
  EXPECT_TRUE(store_->ApplyAssignmentChanges({}).ok());
}

TEST_P(StateStoreTest, OrdinalCountersOnlyGoUp) {
  EXPECT_TRUE(store_->GetNextOrdinals()->empty());
  ASSERT_TRUE(store_->SetNextOrdinals({{"web", 5}, {"api", 2}}).ok());
  ASSERT_TRUE(store_->SetNextOrdinals({{"web", 3}, {"api", 4}}).ok());
  EXPECT_THAT(*store_->GetNextOrdinals(), ElementsAre(Pair("api", 4), Pair("web", 5)));
  EXPECT_EQ(store_->SetNextOrdinals({{"web", 9}, {"api", -1}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(*store_->GetNextOrdinals(), ElementsAre(Pair("api", 4), Pair("web", 5)));
  // An assignment beyond the counter raises it, so its id is never handed out again.
  ASSERT_TRUE(store_->UpsertAssignment(Assigned("web", 11, "n1")).ok());
  EXPECT_EQ(store_->GetNextOrdinals()->at("web"), 12);
}

TEST_P(StateStoreTest, ConcurrentWritersAllLand) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 15;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string app = "app" + std::to_string(t) + "x" + std::to_string(i);
        EXPECT_TRUE(store_->ApplyApps({Spec(app)}).ok());
        EXPECT_TRUE(store_->SetStaticDemand(app, i).ok());
        EXPECT_TRUE(store_->UpsertAssignment(Assigned(app, i, "n1")).ok());
        EXPECT_TRUE(store_->SetCordon("node" + std::to_string(t), i % 2 == 0).ok());
        EXPECT_TRUE(store_->ListApps().ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(store_->ListApps()->size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->GetStaticDemands()->size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->ListAssignments()->size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->ListCordons()->size(), size_t{kThreads});  // each thread ends on "cordon"
}

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

TEST_P(StateStoreTest, TokensRoundTripSortedByName) {
  absl::Time created = clock_.Now();
  auto ops = store_->CreateToken("ops", "admin", kHashA);
  ASSERT_TRUE(ops.ok()) << ops.status();
  EXPECT_EQ(*ops, (StoredToken{"ops", "admin", kHashA, created}));
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(store_->CreateToken("ci", "read", kHashB).ok());
  auto tokens = store_->ListTokens();
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_THAT(*tokens, ElementsAre(StoredToken{"ci", "read", kHashB, created + absl::Minutes(1)},
                                   StoredToken{"ops", "admin", kHashA, created}));
  ASSERT_TRUE(store_->DeleteToken("ops").ok());
  EXPECT_THAT(*store_->ListTokens(),
              ElementsAre(StoredToken{"ci", "read", kHashB, created + absl::Minutes(1)}));
}

TEST_P(StateStoreTest, TokenNameIsUniqueAndDeleteNeedsATokenThere) {
  ASSERT_TRUE(store_->CreateToken("ci", "read", kHashA).ok());
  auto again = store_->CreateToken("ci", "admin", kHashB);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("\"ci\" already exists"));
  EXPECT_EQ(store_->ListTokens()->front().role, "read");
  absl::Status missing = store_->DeleteToken("nope");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("\"nope\""));
}

TEST_P(StateStoreTest, BadTokensAreRefusedNamingTheProblem) {
  struct Case {
    std::string name, role, hash, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"CI", "read", kHashA, "is not a DNS label"},
           {"", "read", kHashA, "is not a DNS label"},
           {std::string(64, 'x'), "read", kHashA, "is not a DNS label"},
           {"-ci", "read", kHashA, "is not a DNS label"},
           {"ci", "write", kHashA, "role \"write\" is not read or admin"},
           {"ci", "read", "abc", "not 64 lowercase hex digits"},
           {"ci", "read", std::string(64, 'A'), "not 64 lowercase hex digits"},
       }) {
    auto token = store_->CreateToken(c.name, c.role, c.hash);
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(token.status().message()), HasSubstr(c.reason)) << c.name;
  }
  EXPECT_TRUE(store_->ListTokens()->empty());
}

INSTANTIATE_TEST_SUITE_P(AllStores, StateStoreTest, ::testing::ValuesIn(testing::StoreKinds()),
                         [](const ::testing::TestParamInfo<testing::StoreKind>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace microscale
