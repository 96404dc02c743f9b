// `microscale-controller migrate` (the real binary) from a SQLite data directory into a
// prefix of a real etcd: everything arrives as it was, a prefix that holds anything is
// refused, and so are a running controller's directory and bad arguments. And
// `microscale-controller token --store etcd://...`, which manages the tokens of
// controllers on etcd.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/clock.h"
#include "controller/server/api_token.h"
#include "controller/server/data_dir_lock.h"
#include "controller/store/etcd_state_store.h"
#include "controller/store/sqlite_state_store.h"
#include "controller/store/state_snapshot.h"
#include "controller/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/child_process.h"
#include "tests/integration/store/etcd_test_server.h"

namespace microscale {
namespace {

using ::microscale::testing::Assigned;
using ::microscale::testing::BuiltProgram;
using ::microscale::testing::CommandResult;
using ::microscale::testing::RunCommand;
using ::microscale::testing::Spec;
using ::testing::HasSubstr;
using ::testing::Not;

class MigrateTest : public testing::EtcdTest {
 protected:
  MigrateTest() : EtcdTest("migrate-test") {}

  // A SQLite state with something in every part, written at distinct times.
  void FillSqlite() {
    auto store = SqliteStateStore::Open(dir_.path(), clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->ApplyApps({Spec("api", 1), Spec("batch", 5)}).ok());
    clock_.Advance(absl::Hours(2));
    v1::AppSpec changed = Spec("api", 2);
    ASSERT_TRUE((*store)->ApplyApps({changed}).ok());  // generation 2, created kept
    ASSERT_TRUE((*store)->SetStaticDemand("api", 12.5).ok());
    ASSERT_TRUE((*store)->SetCordon("node-2", true).ok());
    ASSERT_TRUE((*store)->SetCordon("node-3", true, true).ok());
    ASSERT_TRUE(
        (*store)
            ->ApplyAssignmentChanges({{Assigned("api", 0, "node-1"), Assigned("api", 3, "node-1"),
                                       Assigned("batch", 7, "node-3")},
                                      {}})
            .ok());
    ASSERT_TRUE((*store)->SetNextOrdinals({{"gone", 40}}).ok());
    ASSERT_TRUE((*store)->CreateToken("ci", "read", std::string(64, 'a')).ok());
    auto snapshot = ReadSnapshot(**store);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    before_ = *snapshot;
  }

  CommandResult Migrate(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "migrate",       "--data-dir", dir_.path(),      "--to", "etcd://" + etcd_->endpoint(),
        "--etcd-prefix", prefix_,      "--cluster-name", "prod"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(BuiltProgram("controller/microscale-controller"), args);
  }

  FakeClock clock_;
  testing::TempDir dir_;
  StateSnapshot before_;
};

void ExpectSameState(const StateSnapshot& a, const StateSnapshot& b) {
  ASSERT_EQ(a.apps.size(), b.apps.size());
  for (size_t i = 0; i < a.apps.size(); ++i) {
    EXPECT_EQ(a.apps[i].spec.SerializeAsString(), b.apps[i].spec.SerializeAsString());
    EXPECT_EQ(a.apps[i].created, b.apps[i].created) << a.apps[i].spec.name();
    EXPECT_EQ(a.apps[i].generation, b.apps[i].generation) << a.apps[i].spec.name();
  }
  EXPECT_EQ(a.static_demands, b.static_demands);
  EXPECT_EQ(a.cordons, b.cordons);
  EXPECT_EQ(a.draining, b.draining);
  ASSERT_EQ(a.assignments.size(), b.assignments.size());
  for (size_t i = 0; i < a.assignments.size(); ++i) {
    EXPECT_EQ(a.assignments[i].SerializeAsString(), b.assignments[i].SerializeAsString());
  }
  EXPECT_EQ(a.next_ordinals, b.next_ordinals);
  EXPECT_EQ(a.tokens, b.tokens);
}

TEST_F(MigrateTest, CopiesEveryPartIntoAnEmptyPrefixOnce) {
  ASSERT_NO_FATAL_FAILURE(FillSqlite());
  CommandResult r = Migrate();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("copied 2 apps, 1 static demand values, 2 cordons, 3 assignments"));
  EXPECT_THAT(r.err, HasSubstr("--store etcd://"));

  EtcdStateStore etcd(client_, prefix_);
  auto after = ReadSnapshot(etcd);
  ASSERT_TRUE(after.ok()) << after.status();
  ExpectSameState(before_, *after);
  EXPECT_EQ(after->next_ordinals.at("gone"), 40);
  EXPECT_EQ(after->next_ordinals.at("api"), 4);
  // The prefix is the state of cluster "prod", and of no other.
  EXPECT_TRUE(etcd.ClaimFor("prod").ok());
  EXPECT_THAT(etcd.ClaimFor("staging").message(), HasSubstr("holds the state of cluster \"prod\""));

  // Again into the same, now full, prefix: refused, and nothing there changes.
  CommandResult again = Migrate();
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("is not empty"));
  EXPECT_THAT(again.err, HasSubstr(prefix_));
  auto still = ReadSnapshot(etcd);
  ASSERT_TRUE(still.ok());
  ExpectSameState(before_, *still);
}

TEST_F(MigrateTest, RefusesARunningControllersDirectoryAndADirectoryWithoutState) {
  ASSERT_NO_FATAL_FAILURE(FillSqlite());
  {
    auto lock = DataDirLock::Acquire(dir_.path());
    ASSERT_TRUE(lock.ok()) << lock.status();
    CommandResult r = Migrate();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("stop that controller before migrating"));
  }
  testing::TempDir empty;
  CommandResult none = RunCommand(BuiltProgram("controller/microscale-controller"),
                                  {"migrate", "--data-dir", empty.path(), "--to",
                                   "etcd://" + etcd_->endpoint(), "--etcd-prefix", prefix_});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, HasSubstr("no state database at"));
  auto left = client_->RangePrefix(prefix_);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->kvs_size(), 0);  // nothing was written by either
}

TEST_F(MigrateTest, BadArgumentsExit2NamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {{"migrate", "--data-dir", "/tmp", "--to", "http://127.0.0.1:2379"}, "--to"},
           {{"migrate", "--data-dir", "/tmp", "--to", "etcd://"}, "--to"},
           {{"migrate", "--data-dir", "/tmp", "--to", "etcd://127.0.0.1:2379", "--etcd-prefix",
             "nope"},
            "--etcd-prefix"},
           {{"migrate", "--to", "etcd://127.0.0.1:2379"}, "--data-dir"},
       }) {
    CommandResult r = RunCommand(BuiltProgram("controller/microscale-controller"), c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args.back() << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.names));
  }
  CommandResult help =
      RunCommand(BuiltProgram("controller/microscale-controller"), {"migrate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("empty etcd prefix"));
}

using EtcdTokenTest = MigrateTest;

CommandResult Token(std::vector<std::string> args) {
  args.insert(args.begin(), "token");
  return RunCommand(BuiltProgram("controller/microscale-controller"), args);
}

// Controllers on etcd read their tokens there: `token` creates, lists and revokes them on
// the prefix the controllers share, and refuses another cluster's prefix.
TEST_F(EtcdTokenTest, TokensAreMadeListedAndRevokedOnTheControllersPrefix) {
  const std::vector<std::string> on_etcd = {
      "--store", "etcd://" + etcd_->endpoint(), "--etcd-prefix", prefix_, "--cluster-name", "prod"};
  std::vector<std::string> create = {"create", "--name", "ci", "--role", "read"};
  create.insert(create.end(), on_etcd.begin(), on_etcd.end());
  CommandResult made = Token(create);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_THAT(made.err, HasSubstr("This is the first token"));
  const std::string secret(absl::StripAsciiWhitespace(made.out));

  EtcdStateStore store(client_, prefix_);
  auto tokens = store.ListTokens();
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].name, "ci");
  EXPECT_EQ((*tokens)[0].role, "read");
  EXPECT_EQ((*tokens)[0].hash, HashTokenSecret(secret));  // what the controllers check

  std::vector<std::string> list = {"list"};
  list.insert(list.end(), on_etcd.begin(), on_etcd.end());
  CommandResult listed = Token(list);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("ci"));
  EXPECT_THAT(listed.out, Not(HasSubstr(secret)));

  std::vector<std::string> revoke = {"revoke", "ci"};
  revoke.insert(revoke.end(), on_etcd.begin(), on_etcd.end());
  CommandResult revoked = Token(revoke);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  tokens = store.ListTokens();
  ASSERT_TRUE(tokens.ok());
  EXPECT_TRUE(tokens->empty());

  // The prefix now belongs to cluster prod: another cluster's name is refused.
  std::vector<std::string> other = {"list",          "--store", "etcd://" + etcd_->endpoint(),
                                    "--etcd-prefix", prefix_,   "--cluster-name",
                                    "staging"};
  CommandResult refused = Token(other);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("holds the state of cluster \"prod\""));
}

TEST_F(EtcdTokenTest, BadStoreFlagsExit2NamingTheFlag) {
  CommandResult bad_store = Token({"list", "--store", "etcd://"});
  EXPECT_EQ(bad_store.exit_code, 2);
  EXPECT_THAT(bad_store.err, HasSubstr("--store"));
  CommandResult tls_on_sqlite = Token({"list", "--etcd-tls-ca", "/nowhere/ca.pem"});
  EXPECT_EQ(tls_on_sqlite.exit_code, 2);
  EXPECT_THAT(tls_on_sqlite.err, HasSubstr("--store etcd://"));
  CommandResult bad_prefix =
      Token({"list", "--store", "etcd://" + etcd_->endpoint(), "--etcd-prefix", "no-slash"});
  EXPECT_EQ(bad_prefix.exit_code, 2);
  EXPECT_THAT(bad_prefix.err, HasSubstr("--etcd-prefix"));
}

}  // namespace
}  // namespace microscale
