// Loading of YAML text into a read-only tree of its documents, with every yaml-cpp failure
// turned into an InvalidArgument that names the document, line and column.
//
// The tree is built from yaml-cpp's event parser in one pass. yaml-cpp's own YAML::Node
// keeps every node in reference-counted memory of its own; for a 1 MB manifest of 4,000
// Apps, building and freeing those was half of what `microscalectl apply` spent. Here the
// nodes of all documents sit in one deque and their children in one vector, and an alias is
// the node its anchor names.
//
// Besides catching yaml-cpp's exceptions, it guards against yaml-cpp 0.7 looping forever:
// given a stray ',' where a document's top node should start, its parser never consumes
// the token and yields empty documents without end. A document that starts where the
// previous one started refuses the input. Pure; thread-safe; a loaded tree is immutable.
#ifndef MICROSCALE_COMMON_MANIFEST_YAML_LOAD_H_
#define MICROSCALE_COMMON_MANIFEST_YAML_LOAD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace microscale::manifest_internal {

struct YamlStorage;

// One node of a loaded tree, or an undefined node (a key not found). Cheap to copy; valid
// while its YamlDocuments lives.
class YamlNode {
 public:
  YamlNode() = default;

  bool IsDefined() const { return storage_ != nullptr; }
  // `~`, `null`, an empty value: what yaml-cpp reports as null. A quoted "null" is a string.
  bool IsNull() const;
  bool IsScalar() const;
  bool IsSequence() const;
  bool IsMap() const;
  // The scalar's text; empty for anything else.
  const std::string& Scalar() const;
  // "?" for a plain scalar, "!" for a quoted one, else the explicit tag as yaml-cpp
  // resolved it ("tag:yaml.org,2002:int" for `!!int`).
  const std::string& Tag() const;
  // Items of a sequence, pairs of a mapping (duplicate keys included, in order); else 0.
  size_t size() const;
  YamlNode Item(size_t i) const;  // of a sequence
  YamlNode Key(size_t i) const;   // of a mapping's i-th pair
  YamlNode Value(size_t i) const;
  // The value of the first pair whose key is the scalar `key`; undefined if none (or not
  // a mapping).
  YamlNode Find(std::string_view key) const;

 private:
  friend class YamlBuilder;
  YamlNode(const YamlStorage* storage, uint32_t index) : storage_(storage), index_(index) {}
  uint32_t Child(size_t i) const;

  const YamlStorage* storage_ = nullptr;
  uint32_t index_ = 0;
};

// Every document of one text; an empty document is a null node.
class YamlDocuments {
 public:
  YamlDocuments();
  YamlDocuments(YamlDocuments&&) noexcept;
  YamlDocuments& operator=(YamlDocuments&&) noexcept;
  ~YamlDocuments();

  const std::vector<YamlNode>& documents() const { return documents_; }

 private:
  friend class YamlBuilder;
  std::unique_ptr<YamlStorage> storage_;  // the nodes; its address outlives moves
  std::vector<YamlNode> documents_;
};

absl::StatusOr<YamlDocuments> LoadYamlDocuments(std::string_view text);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_YAML_LOAD_H_
