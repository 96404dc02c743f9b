#include "common/manifest/yaml_load.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/manifest/field_errors.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace microscale::manifest_internal {
namespace {

// yaml-cpp stops recursing at this depth and throws DeepRecursion.
constexpr int kYamlCppMaxDepth = 500;

bool IsDocumentMarker(std::string_view line) {
  return line.starts_with("---") &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// The 1-based document that holds 0-based `line`, counted from `---` markers.
size_t DocumentAtLine(std::string_view text, int line) {
  size_t markers = 0;
  bool content_before_first_marker = false;
  for (int i = 0; i <= line && !text.empty(); ++i) {
    size_t end = text.find('\n');
    std::string_view current = text.substr(0, end);
    if (IsDocumentMarker(current)) {
      ++markers;
    } else if (markers == 0 && !current.empty() && current[0] != '#' && current[0] != '%' &&
               current.find_first_not_of(" \t\r") != std::string_view::npos) {
      content_before_first_marker = true;
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return std::max<size_t>(1, markers + (content_before_first_marker ? 1 : 0));
}

absl::Status ErrorAt(std::string_view text, const YAML::Mark& mark, std::string_view what) {
  if (mark.is_null()) return absl::InvalidArgumentError(std::string(what));
  return absl::InvalidArgumentError(absl::StrCat("document ", DocumentAtLine(text, mark.line),
                                                 ": line ", mark.line + 1, ", column ",
                                                 mark.column + 1, ": ", ToAbsl(what)));
}

}  // namespace

struct YamlStorage {
  enum class Type : uint8_t { kNull, kScalar, kSequence, kMap };
  struct Node {
    Type type = Type::kNull;
    uint32_t first = 0;  // in `children`: items, or keys and values in turn
    uint32_t count = 0;
    std::string scalar;
    std::string tag;
  };
  std::deque<Node> nodes;  // grows without moving what it holds (a 1 MB manifest: 100,000)
  std::vector<uint32_t> children;
};

// Builds the tree from yaml-cpp's parser events, and records where each document starts
// to notice a parser that makes no progress.
class YamlBuilder : public YAML::EventHandler {
 public:
  explicit YamlBuilder(YamlDocuments& out) : out_(out), storage_(*out.storage_) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = count_ > 0 && mark.pos == last_.pos;
    last_ = mark;
    ++count_;
    anchors_.clear();  // yaml-cpp numbers anchors per document
    has_root_ = false;
    depth_ = 0;
  }
  void OnDocumentEnd() override {
    if (!has_root_) root_ = New(Type::kNull, {}, {});
    out_.documents_.push_back(YamlNode(&storage_, root_));
  }
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override {
    Attach(New(Type::kNull, {}, {}), anchor);
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // The parser refuses an alias of an unknown anchor; null keeps a surprise harmless.
    const uint32_t node = anchor < anchors_.size() ? anchors_[anchor] : New(Type::kNull, {}, {});
    Attach(node, YAML::NullAnchor);
  }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Attach(New(Type::kScalar, value, tag), anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(New(Type::kSequence, {}, tag), anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(New(Type::kMap, {}, tag), anchor);
  }
  void OnMapEnd() override { Close(); }

  bool stuck() const { return stuck_; }
  size_t count() const { return count_; }
  const YAML::Mark& last() const { return last_; }

 private:
  using Type = YamlStorage::Type;
  // A container being read: its node and the children seen so far.
  struct OpenNode {
    uint32_t node = 0;
    std::vector<uint32_t> children;
  };

  uint32_t New(Type type, const std::string& scalar, const std::string& tag) {
    storage_.nodes.push_back(YamlStorage::Node{type, 0, 0, scalar, tag});
    return static_cast<uint32_t>(storage_.nodes.size() - 1);
  }
  void Attach(uint32_t node, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
      anchors_[anchor] = node;
    }
    if (depth_ == 0) {
      root_ = node;
      has_root_ = true;
    } else {
      open_[depth_ - 1].children.push_back(node);
    }
  }
  void Open(uint32_t node, YAML::anchor_t anchor) {
    Attach(node, anchor);
    if (open_.size() == depth_) open_.emplace_back();  // the buffers are reused
    open_[depth_].node = node;
    open_[depth_].children.clear();
    ++depth_;
  }
  void Close() {
    if (depth_ == 0) return;
    const OpenNode& open = open_[--depth_];
    YamlStorage::Node& node = storage_.nodes[open.node];
    node.first = static_cast<uint32_t>(storage_.children.size());
    node.count = static_cast<uint32_t>(open.children.size());
    storage_.children.insert(storage_.children.end(), open.children.begin(), open.children.end());
  }

  YamlDocuments& out_;
  YamlStorage& storage_;
  std::vector<OpenNode> open_;
  size_t depth_ = 0;
  std::vector<uint32_t> anchors_;
  uint32_t root_ = 0;
  bool has_root_ = false;
  bool stuck_ = false;
  size_t count_ = 0;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

namespace {

absl::StatusOr<YamlDocuments> Load(std::string_view text) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  YamlDocuments documents;
  YamlBuilder builder(documents);
  while (parser.HandleNextDocument(builder)) {
    // Every real document takes at least one byte, so more documents than bytes is a loop.
    if (builder.stuck() || builder.count() > text.size() + 1) {
      const YAML::Mark& mark = builder.last();
      std::string token = mark.pos >= 0 && static_cast<size_t>(mark.pos) < text.size()
                              ? Quote(text.substr(static_cast<size_t>(mark.pos), 1))
                              : std::string("token");
      return ErrorAt(text, mark, absl::StrCat("invalid YAML: unexpected ", token));
    }
  }
  return documents;
}

const std::string& EmptyString() {
  static const std::string* const empty = new std::string();
  return *empty;
}

}  // namespace

bool YamlNode::IsNull() const {
  return IsDefined() && storage_->nodes[index_].type == YamlStorage::Type::kNull;
}
bool YamlNode::IsScalar() const {
  return IsDefined() && storage_->nodes[index_].type == YamlStorage::Type::kScalar;
}
bool YamlNode::IsSequence() const {
  return IsDefined() && storage_->nodes[index_].type == YamlStorage::Type::kSequence;
}
bool YamlNode::IsMap() const {
  return IsDefined() && storage_->nodes[index_].type == YamlStorage::Type::kMap;
}

const std::string& YamlNode::Scalar() const {
  return IsScalar() ? storage_->nodes[index_].scalar : EmptyString();
}

const std::string& YamlNode::Tag() const {
  return IsDefined() ? storage_->nodes[index_].tag : EmptyString();
}

size_t YamlNode::size() const {
  if (IsSequence()) return storage_->nodes[index_].count;
  if (IsMap()) return storage_->nodes[index_].count / 2;
  return 0;
}

uint32_t YamlNode::Child(size_t i) const {
  return storage_->children[storage_->nodes[index_].first + i];
}

YamlNode YamlNode::Item(size_t i) const {
  return IsSequence() && i < size() ? YamlNode(storage_, Child(i)) : YamlNode();
}

YamlNode YamlNode::Key(size_t i) const {
  return IsMap() && i < size() ? YamlNode(storage_, Child(2 * i)) : YamlNode();
}

YamlNode YamlNode::Value(size_t i) const {
  return IsMap() && i < size() ? YamlNode(storage_, Child(2 * i + 1)) : YamlNode();
}

YamlNode YamlNode::Find(std::string_view key) const {
  if (!IsMap()) return YamlNode();
  for (size_t i = 0; i < size(); ++i) {
    const YamlNode k = Key(i);
    if (k.IsScalar() && k.Scalar() == key) return Value(i);
  }
  return YamlNode();
}

YamlDocuments::YamlDocuments() : storage_(std::make_unique<YamlStorage>()) {}
YamlDocuments::YamlDocuments(YamlDocuments&&) noexcept = default;
YamlDocuments& YamlDocuments::operator=(YamlDocuments&&) noexcept = default;
YamlDocuments::~YamlDocuments() = default;

absl::StatusOr<YamlDocuments> LoadYamlDocuments(std::string_view text) {
  try {
    return Load(text);
  } catch (const YAML::DeepRecursion& e) {
    return ErrorAt(text, e.mark,
                   absl::StrCat("manifest nests deeper than ", kYamlCppMaxDepth, " levels"));
  } catch (const YAML::Exception& e) {
    return ErrorAt(text, e.mark, absl::StrCat("invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid YAML: ", e.what()));
  }
}

}  // namespace microscale::manifest_internal
