#include "common/manifest/node_reader.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/edit_distance.h"
#include "common/manifest/yaml_scalar.h"
#include "common/strings.h"

namespace microscale::manifest_internal {
namespace {

constexpr std::string_view kCoreTag = "tag:yaml.org,2002:";

// What a node is, for type checks and messages.
struct NodeInfo {
  enum class Shape { kScalar, kMap, kList, kOther };
  Shape shape = Shape::kOther;
  ScalarKind kind = ScalarKind::kString;
  std::string text;
  std::optional<std::string> tag_problem;
};

ScalarKind KindOfTagged(std::string_view tag, const std::string& text, NodeInfo& info) {
  ScalarKind plain = ResolvePlainScalar(text);
  std::string_view name = tag.substr(kCoreTag.size());
  if (name == "str") return ScalarKind::kString;
  if (name == "int" && plain == ScalarKind::kInt) return ScalarKind::kInt;
  if (name == "float" && (plain == ScalarKind::kInt || plain == ScalarKind::kFloat)) {
    return ScalarKind::kFloat;
  }
  if (name == "bool" && plain == ScalarKind::kBool) return ScalarKind::kBool;
  if (name == "null" && plain == ScalarKind::kNull) return ScalarKind::kNull;
  info.tag_problem = absl::StrCat("value ", Quote(text), " does not fit its tag !!", ToAbsl(name));
  return ScalarKind::kString;
}

NodeInfo Inspect(const YamlNode& node) {
  NodeInfo info;
  if (node.IsNull()) {
    info.shape = NodeInfo::Shape::kScalar;
    info.kind = ScalarKind::kNull;
    info.text = "null";
    return info;
  }
  if (node.IsMap()) {
    info.shape = NodeInfo::Shape::kMap;
    return info;
  }
  if (node.IsSequence()) {
    info.shape = NodeInfo::Shape::kList;
    return info;
  }
  if (!node.IsScalar()) return info;
  info.shape = NodeInfo::Shape::kScalar;
  info.text = node.Scalar();
  const std::string& tag = node.Tag();
  if (tag == "?") {
    info.kind = ResolvePlainScalar(info.text);
  } else if (tag == "!" || tag.empty()) {
    info.kind = ScalarKind::kString;
  } else if (std::string_view(tag).starts_with(kCoreTag)) {
    info.kind = KindOfTagged(tag, info.text, info);
  } else {
    info.tag_problem = absl::StrCat("has the unsupported tag ", Quote(tag));
  }
  return info;
}

std::string Describe(const NodeInfo& info) {
  switch (info.shape) {
    case NodeInfo::Shape::kMap:
      return "a mapping";
    case NodeInfo::Shape::kList:
      return "a list";
    case NodeInfo::Shape::kOther:
      return "nothing";
    case NodeInfo::Shape::kScalar:
      break;
  }
  if (info.kind == ScalarKind::kNull) return "null";
  if (info.kind == ScalarKind::kString) return absl::StrCat("string ", Quote(info.text));
  std::string text = Quote(info.text);
  return absl::StrCat(ScalarKindName(info.kind), " ", text.substr(1, text.size() - 2));
}

std::string Expected(std::string_view what, const NodeInfo& info) {
  return absl::StrCat("must be ", ToAbsl(what), " (got ", Describe(info), ")");
}

std::string UnknownField(std::string_view key, KnownKeys known) {
  if (key.size() <= 64) {
    for (std::string_view candidate : known) {
      if (EditDistance(key, candidate) <= 2) {
        return absl::StrCat("unknown field (did you mean \"", ToAbsl(candidate), "\"?)");
      }
    }
  }
  std::string list;
  for (std::string_view candidate : known) {
    absl::StrAppend(&list, list.empty() ? "" : ", ", ToAbsl(candidate));
  }
  return absl::StrCat("unknown field (known fields: ", list, ")");
}

// The text of a mapping key, or nullopt for a key that is a mapping or a list.
std::optional<std::string> KeyText(const YamlNode& key) {
  if (key.IsNull()) return std::string();
  if (!key.IsScalar()) return std::nullopt;
  return key.Scalar();
}

}  // namespace

std::optional<MapReader> MapReader::Open(const YamlNode& node, std::string path,
                                         FieldErrors& errors, KnownKeys known) {
  NodeInfo info = Inspect(node);
  if (info.shape != NodeInfo::Shape::kMap) {
    errors.Add(std::move(path), Expected("a mapping", info));
    return std::nullopt;
  }
  MapReader reader(std::move(path), errors);
  reader.Index(node, known);
  return reader;
}

void MapReader::Index(const YamlNode& node, KnownKeys known) {
  for (size_t i = 0; i < node.size(); ++i) {
    std::optional<std::string> key = KeyText(node.Key(i));
    if (!key) {
      errors_->Add(path_, "keys must be strings");
      continue;
    }
    if (fields_.contains(*key)) {
      Fail(*key, "duplicate key");
    } else if (std::find(known.begin(), known.end(), *key) == known.end()) {
      Fail(*key, UnknownField(*key, known));
    } else {
      fields_.emplace(*key, node.Value(i));
    }
  }
}

YamlNode MapReader::Find(std::string_view key) const {
  auto it = fields_.find(key);
  if (it == fields_.end() || it->second.IsNull()) return YamlNode();
  return it->second;
}

bool MapReader::Has(std::string_view key) const { return Find(key).IsDefined(); }

std::optional<std::string> MapReader::String(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  NodeInfo info = Inspect(node);
  if (info.tag_problem) {
    Fail(key, *info.tag_problem);
  } else if (info.shape != NodeInfo::Shape::kScalar || info.kind != ScalarKind::kString) {
    Fail(key, Expected("a string", info));
  } else {
    return info.text;
  }
  return std::nullopt;
}

std::optional<int32_t> MapReader::Int32(std::string_view key, IntRange range) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  NodeInfo info = Inspect(node);
  if (info.tag_problem) {
    Fail(key, *info.tag_problem);
    return std::nullopt;
  }
  if (info.shape != NodeInfo::Shape::kScalar || info.kind != ScalarKind::kInt) {
    Fail(key, Expected("an integer", info));
    return std::nullopt;
  }
  std::optional<int64_t> value = ParseYamlInt(info.text);
  if (!value || *value < range.lo || *value > range.hi) {
    Fail(key, absl::StrCat("must be between ", range.lo, " and ", range.hi, " (got ",
                           Describe(info), ")"));
    return std::nullopt;
  }
  return static_cast<int32_t>(*value);
}

std::optional<uint64_t> MapReader::Uint64(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  NodeInfo info = Inspect(node);
  std::optional<uint64_t> value;
  if (!info.tag_problem && info.kind == ScalarKind::kInt) value = ParseYamlUint(info.text);
  if (info.tag_problem) {
    Fail(key, *info.tag_problem);
  } else if (info.shape != NodeInfo::Shape::kScalar || !value) {
    Fail(key, Expected("an integer from 0 to 18446744073709551615", info));
  }
  return value;
}

std::optional<double> MapReader::Number(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  NodeInfo info = Inspect(node);
  if (info.tag_problem) {
    Fail(key, *info.tag_problem);
    return std::nullopt;
  }
  bool numeric = info.shape == NodeInfo::Shape::kScalar &&
                 (info.kind == ScalarKind::kInt || info.kind == ScalarKind::kFloat);
  std::optional<double> value = numeric ? ParseYamlNumber(info.text) : std::nullopt;
  if (!value) {
    Fail(key, Expected("a number", info));
  } else if (!std::isfinite(*value)) {
    Fail(key, Expected("a finite number", info));
    value.reset();
  }
  return value;
}

std::optional<bool> MapReader::Bool(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  NodeInfo info = Inspect(node);
  if (info.tag_problem) {
    Fail(key, *info.tag_problem);
  } else if (info.shape != NodeInfo::Shape::kScalar || info.kind != ScalarKind::kBool) {
    Fail(key, Expected("true or false", info));
  } else {
    return ParseYamlBool(info.text);
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> MapReader::StringList(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  if (!node.IsSequence()) {
    Fail(key, Expected("a list of strings", Inspect(node)));
    return std::nullopt;
  }
  std::vector<std::string> items;
  bool ok = true;
  for (size_t i = 0; i < node.size(); ++i) {
    NodeInfo info = Inspect(node.Item(i));
    if (info.tag_problem || info.shape != NodeInfo::Shape::kScalar ||
        info.kind != ScalarKind::kString) {
      errors_->Add(IndexPath(PathOf(key), items.size()),
                   info.tag_problem ? *info.tag_problem : Expected("a string", info));
      ok = false;
    }
    items.push_back(info.text);
  }
  if (!ok) return std::nullopt;
  return items;
}

std::optional<std::vector<MapReader>> MapReader::MapList(std::string_view key, KnownKeys known) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  if (!node.IsSequence()) {
    Fail(key, Expected("a list of mappings", Inspect(node)));
    return std::nullopt;
  }
  std::vector<MapReader> items;
  for (size_t i = 0; i < node.size(); ++i) {
    if (std::optional<MapReader> map =
            Open(node.Item(i), IndexPath(PathOf(key), i), *errors_, known)) {
      items.push_back(std::move(*map));
    }
  }
  return items;
}

std::optional<std::map<std::string, std::string>> MapReader::StringMap(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  std::string path = PathOf(key);
  if (!node.IsMap()) {
    errors_->Add(path, Expected("a mapping of strings to strings", Inspect(node)));
    return std::nullopt;
  }
  std::map<std::string, std::string> result;
  for (size_t i = 0; i < node.size(); ++i) {
    std::optional<std::string> name = KeyText(node.Key(i));
    NodeInfo info = Inspect(node.Value(i));
    if (!name) {
      errors_->Add(path, "keys must be strings");
    } else if (result.contains(*name)) {
      errors_->Add(ChildPath(path, *name), "duplicate key");
    } else if (info.tag_problem || info.shape != NodeInfo::Shape::kScalar ||
               info.kind != ScalarKind::kString) {
      errors_->Add(ChildPath(path, *name),
                   info.tag_problem ? *info.tag_problem : Expected("a string", info));
    } else {
      result.emplace(*name, info.text);
    }
  }
  // With errors the document is refused anyway; the entries that read well still go on to
  // the checks of their names, so one pass reports every problem (a bad value of A and a
  // bad name 1B together, not 1B only after A is fixed).
  return result;
}

std::optional<std::string> MapReader::QuantityText(std::string_view key) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  NodeInfo info = Inspect(node);
  if (info.tag_problem) {
    Fail(key, *info.tag_problem);
    return std::nullopt;
  }
  if (info.shape != NodeInfo::Shape::kScalar ||
      (info.kind != ScalarKind::kString && info.kind != ScalarKind::kInt &&
       info.kind != ScalarKind::kFloat)) {
    Fail(key, Expected("a quantity string or a number", info));
    return std::nullopt;
  }
  if (info.kind == ScalarKind::kFloat) {
    std::optional<double> value = ParseYamlNumber(info.text);
    if (!value || !std::isfinite(*value)) {
      Fail(key, Expected("a finite number", info));
      return std::nullopt;
    }
  }
  return info.text;
}

std::optional<MapReader> MapReader::Map(std::string_view key, KnownKeys known) {
  const YamlNode node = Find(key);
  if (!node.IsDefined()) return std::nullopt;
  return Open(node, PathOf(key), *errors_, known);
}

}  // namespace microscale::manifest_internal
