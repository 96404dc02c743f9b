#include "common/manifest/yaml_load.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace microscale::manifest_internal {
namespace {

using ::testing::HasSubstr;

// A mapping's keys and values in turn, or a sequence's items: ours, and yaml-cpp's.
std::vector<YamlNode> ChildrenOf(const YamlNode& node) {
  std::vector<YamlNode> children;
  for (size_t i = 0; i < node.size(); ++i) {
    if (node.IsMap()) {
      children.push_back(node.Key(i));
      children.push_back(node.Value(i));
    } else {
      children.push_back(node.Item(i));
    }
  }
  return children;
}

std::vector<YAML::Node> ChildrenOf(const YAML::Node& node) {
  std::vector<YAML::Node> children;
  for (const auto& item : node) {
    if (node.IsMap()) {
      children.push_back(item.first);
      children.push_back(item.second);
    } else {
      children.push_back(static_cast<const YAML::Node&>(item));
    }
  }
  return children;
}

// A node written out with its shape, tag and text, children in order, `depth` levels deep.
template <typename Node>
std::string DumpNode(const Node& node, int depth = 8) {
  if (!node.IsDefined()) return "undefined";
  if (node.IsNull()) return "null";
  if (node.IsScalar()) return absl::StrCat("scalar<", node.Tag(), ">(", node.Scalar(), ")");
  if (depth == 0) return "...";
  std::string out = node.IsMap() ? absl::StrCat("map<", node.Tag(), ">{")
                                 : absl::StrCat("seq<", node.Tag(), ">[");
  const std::vector<Node> children = ChildrenOf(node);
  for (size_t i = 0; i < children.size(); ++i) {
    absl::StrAppend(&out, DumpNode(children[i], depth - 1),
                    node.IsMap() && i % 2 == 0 ? ": " : ", ");
  }
  return absl::StrCat(out, node.IsMap() ? "}" : "]");
}

// The tree says what yaml-cpp's own nodes say, document by document: shapes, tags, text,
// order, duplicate keys, aliases and empty documents.
TEST(LoadYamlDocuments, ReadsWhatYamlCppsNodesRead) {
  const std::vector<std::string> texts = {
      "a: 1\nb: [x, 'y', \"z\"]\nc: {d: ~, e: null, f: Null, g: '', h:}\n",
      "---\n---\nkind: App\n---\n# only a comment\n---\n- 1\n- - 2\n  - 3\n",
      "base: &b {cpu: 10m, memory: 16Mi}\nweb: *b\nlist: &l [1, 2]\nagain: *l\ns: &s text\nt: *s\n",
      "dup: 1\ndup: 2\n? [complex, key]\n: value\n? {k: v}\n: other\n~: nullkey\n",
      "i: !!int 7\ns: !!str 7\nf: !!float 1\nb: !!bool true\nn: !!null ~\ncustom: !thing x\n",
      "m: !!map {a: 1}\nq: !!seq [1]\nlocal: !local y\n",
      "block: |\n  line one\n  line two\nfolded: >\n  folded\n  text\nplain: multi\n  line\n",
      "quoted: \"tab\\there \\u00e9\"\nsingle: 'it''s'\nempty: \"\"\nnullword: \"null\"\n",
      "items:\n  - name: a\n    env: {K: V}\n  - name: b\n    command: [sh, -c, 'echo hi']\n",
      "[1, 2, 3]\n",
      "just a scalar\n",
      "",
      "merge:\n  <<: {a: 1}\n  b: 2\n",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    absl::StatusOr<YamlDocuments> ours = LoadYamlDocuments(text);
    ASSERT_TRUE(ours.ok()) << ours.status();
    const std::vector<YAML::Node> theirs = YAML::LoadAll(text);
    ASSERT_EQ(ours->documents().size(), theirs.size());
    for (size_t i = 0; i < theirs.size(); ++i) {
      EXPECT_EQ(DumpNode(ours->documents()[i]), DumpNode(theirs[i])) << "document " << i + 1;
    }
  }
}

TEST(LoadYamlDocuments, AnAliasIsTheNodeItsAnchorNames) {
  absl::StatusOr<YamlDocuments> loaded = LoadYamlDocuments("a: &x {k: v}\nb: *x\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const YamlNode doc = loaded->documents().at(0);
  EXPECT_EQ(doc.Find("b").Find("k").Scalar(), "v");
  EXPECT_FALSE(doc.Find("c").IsDefined());
  EXPECT_FALSE(doc.Find("a").Find("missing").IsDefined());
  EXPECT_FALSE(doc.Find("a").Item(0).IsDefined()) << "a mapping has no items";
  EXPECT_EQ(doc.Find("a").Scalar(), "") << "a mapping has no text";
}

TEST(LoadYamlDocuments, FindTakesTheFirstOfDuplicateKeys) {
  absl::StatusOr<YamlDocuments> loaded = LoadYamlDocuments("kind: App\nkind: AppList\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const YamlNode doc = loaded->documents().at(0);
  EXPECT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc.Find("kind").Scalar(), "App");
}

TEST(LoadYamlDocuments, DocumentsOutliveAMoveOfWhatHoldsThem) {
  absl::StatusOr<YamlDocuments> loaded = LoadYamlDocuments("a: [1, 2]\n---\nb: c\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  YamlDocuments moved = *std::move(loaded);
  ASSERT_EQ(moved.documents().size(), 2u);
  EXPECT_EQ(moved.documents()[0].Find("a").Item(1).Scalar(), "2");
  EXPECT_EQ(moved.documents()[1].Find("b").Scalar(), "c");
}

TEST(LoadYamlDocuments, RefusesWhatYamlCppCannotReadWithDocumentLineAndColumn) {
  absl::StatusOr<YamlDocuments> loaded = LoadYamlDocuments("a: 1\n---\nb: [1, 2\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("document 2: line"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("invalid YAML"));
  // yaml-cpp's parser would yield empty documents here without end.
  loaded = LoadYamlDocuments(",");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("unexpected \",\""));
}

}  // namespace
}  // namespace microscale::manifest_internal
