#include "controller/server/token_command.h"

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "controller/server/api_token.h"
#include "controller/store/sqlite_state_store.h"
#include "controller/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale {
namespace {

using ::microscale::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunToken(std::vector<std::string> args) {
  args.insert(args.begin(), "token");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out;
  std::ostringstream err;
  int code = RunTokenCommand(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

class TokenCommandTest : public ::testing::Test {
 protected:
  std::vector<StoredToken> Stored() {
    auto store = SqliteStateStore::Open(dir_.path());
    EXPECT_TRUE(store.ok()) << store.status();
    return *(*store)->ListTokens();
  }

  TempDir dir_;
};

TEST_F(TokenCommandTest, CreatePrintsTheSecretOnceAndStoresOnlyItsHash) {
  Result r = RunToken({"create", "--name", "ci", "--role", "read", "--data-dir", dir_.path()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, MatchesRegex("mst_[0-9a-f]{64}\n"));
  EXPECT_THAT(r.err, AllOf(HasSubstr("created token \"ci\" (role read)"),
                           HasSubstr("MICROSCALE_TOKEN"), HasSubstr("first token")));
  std::vector<StoredToken> tokens = Stored();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].name, "ci");
  EXPECT_EQ(tokens[0].role, "read");
  EXPECT_EQ(tokens[0].hash, HashTokenSecret(r.out.substr(0, r.out.size() - 1)));

  Result second =
      RunToken({"create", "--name", "ops", "--role", "admin", "--data-dir", dir_.path()});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.err, Not(HasSubstr("first token")));
  EXPECT_NE(second.out, r.out);
}

TEST_F(TokenCommandTest, ListShowsNameRoleCreatedButNeverSecretOrHash) {
  Result created =
      RunToken({"create", "--name", "ci", "--role", "read", "--data-dir", dir_.path()});
  ASSERT_EQ(created.code, 0);
  Result r = RunToken({"list", "--data-dir", dir_.path()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("NAME   ROLE    CREATED\nci     read    "));
  EXPECT_THAT(r.out, MatchesRegex("(.|\n)*[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\n"));
  EXPECT_THAT(r.out, Not(HasSubstr(created.out.substr(4, 16))));
  EXPECT_THAT(r.out, Not(HasSubstr(Stored()[0].hash.substr(0, 16))));
}

TEST_F(TokenCommandTest, RevokeRemovesAndWarnsWhenTheApiIsOpenAgain) {
  ASSERT_EQ(RunToken({"create", "--name", "ci", "--role", "read", "--data-dir", dir_.path()}).code,
            0);
  Result r = RunToken({"revoke", "ci", "--data-dir", dir_.path()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "token \"ci\" revoked\n");
  EXPECT_THAT(r.err, HasSubstr("the API is open again"));
  EXPECT_THAT(Stored(), IsEmpty());
  Result again = RunToken({"revoke", "ci", "--data-dir", dir_.path()});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.err, HasSubstr("token \"ci\" not found"));
}

TEST_F(TokenCommandTest, DataDirComesFromTheEnvironmentToo) {
  setenv("MICROSCALE_DATA_DIR", dir_.path().c_str(), 1);
  Result r = RunToken({"create", "--name", "ci", "--role", "admin"});
  unsetenv("MICROSCALE_DATA_DIR");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Stored().size(), 1u);
}

TEST_F(TokenCommandTest, UsageErrorsNameTheArgumentAndExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  for (const Case& c : std::vector<Case>{
           {{"create", "--role", "read"}, "--name"},
           {{"create", "--name", "ci"}, "--role"},
           {{"create", "--name", "ci", "--role", "write"},
            "--role: \"write\" is not read or admin"},
           {{"create", "--name", "CI", "--role", "read"}, "--name: token name \"CI\""},
           {{"revoke"}, "NAME"},
           {{}, "subcommand"},
           {{"rotate"}, "rotate"},
       }) {
    std::vector<std::string> args = c.args;
    args.push_back("--data-dir");
    args.push_back(dir_.path());
    Result r = RunToken(args);
    EXPECT_EQ(r.code, 2) << c.names << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.names));
    EXPECT_THAT(r.err, HasSubstr("--help"));
  }
  EXPECT_THAT(Stored(), IsEmpty());
}

TEST_F(TokenCommandTest, FailuresExitOneNamingTheCause) {
  ASSERT_EQ(RunToken({"create", "--name", "ci", "--role", "read", "--data-dir", dir_.path()}).code,
            0);
  Result dup = RunToken({"create", "--name", "ci", "--role", "admin", "--data-dir", dir_.path()});
  EXPECT_EQ(dup.code, 1);
  EXPECT_THAT(dup.err, HasSubstr("token \"ci\" already exists"));
  EXPECT_TRUE(dup.out.empty());
  std::string empty_dir = dir_.path() + "/elsewhere";
  Result list = RunToken({"list", "--data-dir", empty_dir});
  EXPECT_EQ(list.code, 1);
  EXPECT_THAT(list.err,
              AllOf(HasSubstr("no state database at " + empty_dir), HasSubstr("--data-dir")));
  EXPECT_FALSE(std::filesystem::exists(empty_dir));
}

TEST_F(TokenCommandTest, HelpDescribesRolesAndEachSubcommand) {
  Result r = RunToken({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, AllOf(HasSubstr("create"), HasSubstr("list"), HasSubstr("revoke"),
                           HasSubstr("admin"), HasSubstr("--data-dir")));
  Result create = RunToken({"create", "--help"});
  EXPECT_EQ(create.code, 0);
  EXPECT_THAT(create.out, AllOf(HasSubstr("--name"), HasSubstr("--role")));
}

}  // namespace
}  // namespace microscale
