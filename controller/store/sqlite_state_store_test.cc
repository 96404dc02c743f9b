// What only the SQLite store must do: persist across reopen, refuse bad files and newer
// schemas with clear errors, and share one file between connections.
#include "controller/store/sqlite_state_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <thread>

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

std::string DbPath(const std::string& dir) {
  return (std::filesystem::path(dir) / SqliteStateStore::kFileName).string();
}

// Runs `sql` on the database file directly, as another program would.
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string first;
  char* error = nullptr;
  auto keep_first = [](void* out, int, char** values, char**) {
    auto* text = static_cast<std::string*>(out);
    if (text->empty() && values[0] != nullptr) *text = values[0];
    return 0;
  };
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), keep_first, &first, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
  return first;
}

TEST(SqliteStateStoreTest, ReopenKeepsEverything) {
  TempDir dir;
  FakeClock clock;
  absl::Time created = clock.Now();
  {
    auto store = SqliteStateStore::Open(dir.path(), clock);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->ApplyApps({Spec("web", 1), Spec("batch", 2)}).ok());
    ASSERT_TRUE((*store)->ApplyApps({Spec("web", 3)}).ok());
    ASSERT_TRUE((*store)->SetStaticDemand("web", 12).ok());
    ASSERT_TRUE((*store)->SetCordon("n2", true).ok());
    ASSERT_TRUE((*store)->SetCordon("n3", true, true).ok());
    ASSERT_TRUE((*store)->ReplaceAssignments({Assigned("web", 0, "n1")}).ok());
    ASSERT_TRUE((*store)->SetNextOrdinals({{"batch", 7}}).ok());
  }
  clock.Advance(absl::Hours(1));
  auto store = SqliteStateStore::Open(dir.path(), clock);
  ASSERT_TRUE(store.ok()) << store.status();
  auto web = (*store)->GetApp("web");
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->spec.priority(), 3);
  EXPECT_EQ(web->generation, 2);
  EXPECT_EQ(web->created, created);
  EXPECT_EQ((*store)->ListApps()->size(), 2u);
  EXPECT_THAT(*(*store)->GetStaticDemands(), ElementsAre(Pair("web", 12)));
  EXPECT_THAT(*(*store)->ListCordons(), ElementsAre("n2", "n3"));
  EXPECT_THAT(*(*store)->ListDraining(), ElementsAre("n3"));
  ASSERT_EQ((*store)->ListAssignments()->size(), 1u);
  EXPECT_EQ((*store)->ListAssignments()->front().container_id(), "cid-web-0");
  EXPECT_THAT(*(*store)->GetNextOrdinals(), ElementsAre(Pair("batch", 7), Pair("web", 1)));
}

TEST(SqliteStateStoreTest, CreatesNestedDataDirAndUsesWal) {
  TempDir dir;
  std::string nested = dir.path() + "/a/b/data";
  auto store = SqliteStateStore::Open(nested);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(std::filesystem::exists(DbPath(nested)));
  EXPECT_EQ(RawQuery(DbPath(nested), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(DbPath(nested), "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
}

TEST(SqliteStateStoreTest, DataDirThatIsAFileIsAClearError) {
  TempDir dir;
  std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto store = SqliteStateStore::Open(file + "/data");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(file));
  store = SqliteStateStore::Open(file);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("not a directory"));
}

TEST(SqliteStateStoreTest, CorruptFileIsDataLossNamingTheFile) {
  TempDir dir;
  std::ofstream(DbPath(dir.path()), std::ios::binary)
      << std::string(4096, 'G') << "this is not an SQLite database";
  auto store = SqliteStateStore::Open(dir.path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(DbPath(dir.path())));
}

TEST(SqliteStateStoreTest, NewerSchemaIsRefused) {
  TempDir dir;
  ASSERT_TRUE(SqliteStateStore::Open(dir.path()).ok());
  RawQuery(DbPath(dir.path()), "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  auto store = SqliteStateStore::Open(dir.path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("schema version 99"));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("newer"));
}

TEST(SqliteStateStoreTest, ForeignDatabaseIsRefused) {
  TempDir dir;
  RawQuery(DbPath(dir.path()), "CREATE TABLE customers (id INTEGER)");
  auto store = SqliteStateStore::Open(dir.path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("no Microscale schema"));
}

const std::string kHash(64, 'c');

TEST(SqliteStateStoreTest, TokensSurviveReopenAndOnlyTheHashIsStored) {
  TempDir dir;
  FakeClock clock;
  {
    auto store = SqliteStateStore::Open(dir.path(), clock);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->CreateToken("ci", "read", kHash).ok());
  }
  auto store = SqliteStateStore::Open(dir.path(), clock);
  ASSERT_TRUE(store.ok()) << store.status();
  auto tokens = (*store)->ListTokens();
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ(tokens->front().name, "ci");
  EXPECT_EQ(tokens->front().role, "read");
  EXPECT_EQ(tokens->front().hash, kHash);
  EXPECT_EQ(
      RawQuery(DbPath(dir.path()), "SELECT group_concat(name) FROM pragma_table_info('tokens')"),
      "name,role,hash,created_unix_ms");
}

TEST(SqliteStateStoreTest, VersionOneFileIsUpgradedKeepingItsApps) {
  TempDir dir;
  ASSERT_TRUE(SqliteStateStore::Open(dir.path()).ok());
  {
    auto store = SqliteStateStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->ApplyApps({Spec("web")}).ok());
  }
  // What a version 1 controller left behind.
  RawQuery(DbPath(dir.path()),
           "DROP TABLE tokens; ALTER TABLE cordons DROP COLUMN draining; "
           "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  auto store = SqliteStateStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(RawQuery(DbPath(dir.path()), "SELECT value FROM meta WHERE key = 'schema_version'"),
            "3");
  EXPECT_EQ((*store)->ListApps()->size(), 1u);
  ASSERT_TRUE((*store)->CreateToken("ops", "admin", kHash).ok());
  EXPECT_EQ((*store)->ListTokens()->size(), 1u);
  ASSERT_TRUE((*store)->SetCordon("n1", true, true).ok());
  EXPECT_THAT(*(*store)->ListDraining(), ElementsAre("n1"));
}

TEST(SqliteStateStoreTest, VersionTwoFileKeepsItsCordonsAndGainsDrainMarks) {
  TempDir dir;
  {
    auto store = SqliteStateStore::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->SetCordon("n1", true).ok());
  }
  // What a version 2 controller left behind: cordons without a drain mark.
  RawQuery(DbPath(dir.path()),
           "ALTER TABLE cordons DROP COLUMN draining; "
           "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
  auto store = SqliteStateStore::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(RawQuery(DbPath(dir.path()), "SELECT value FROM meta WHERE key = 'schema_version'"),
            "3");
  EXPECT_THAT(*(*store)->ListCordons(), ElementsAre("n1"));
  EXPECT_TRUE((*store)->ListDraining()->empty());
  ASSERT_TRUE((*store)->SetCordon("n2", true, true).ok());
  EXPECT_THAT(*(*store)->ListDraining(), ElementsAre("n2"));
}

TEST(SqliteStateStoreTest, TokenWrittenByAnotherConnectionIsSeen) {
  TempDir dir;
  auto controller = SqliteStateStore::Open(dir.path());
  auto command = SqliteStateStore::Open(dir.path());
  ASSERT_TRUE(controller.ok() && command.ok());
  EXPECT_TRUE((*controller)->ListTokens()->empty());
  ASSERT_TRUE((*command)->CreateToken("ci", "read", kHash).ok());
  EXPECT_EQ((*controller)->ListTokens()->size(), 1u);
  ASSERT_TRUE((*command)->DeleteToken("ci").ok());
  EXPECT_TRUE((*controller)->ListTokens()->empty());
}

TEST(SqliteStateStoreTest, TwoConnectionsWriteConcurrently) {
  TempDir dir;
  auto first = SqliteStateStore::Open(dir.path());
  auto second = SqliteStateStore::Open(dir.path());
  ASSERT_TRUE(first.ok() && second.ok());
  constexpr int kApps = 40;
  auto writer = [](StateStore& store, const std::string& prefix) {
    for (int i = 0; i < kApps; ++i) {
      absl::StatusOr<std::vector<AppChange>> result =
          store.ApplyApps({Spec(prefix + std::to_string(i))});
      EXPECT_TRUE(result.ok()) << result.status();
    }
  };
  std::thread a(writer, std::ref(**first), "a");
  std::thread b(writer, std::ref(**second), "b");
  a.join();
  b.join();
  EXPECT_EQ((*first)->ListApps()->size(), size_t{2 * kApps});
}

}  // namespace
}  // namespace microscale
