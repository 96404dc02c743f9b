// MapReader: typed, path-aware reading of one YAML mapping of a manifest.
//
// It refuses unknown and duplicate keys when built, and each getter returns the field's
// value, or nullopt when the field is absent (or null) or malformed; a malformed field is
// reported to the FieldErrors under its path ("spec.priority: must be an integer (got
// number 2.5)"). Reading never throws. Thread-safety: not thread-safe; one per document.
#ifndef MICROSCALE_COMMON_MANIFEST_NODE_READER_H_
#define MICROSCALE_COMMON_MANIFEST_NODE_READER_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/manifest/field_errors.h"
#include "common/manifest/validate.h"
#include "common/manifest/yaml_load.h"

namespace microscale::manifest_internal {

using KnownKeys = std::initializer_list<std::string_view>;

class MapReader {
 public:
  // Reads `node` as a mapping at `path`; nullopt (and an error) if it is something else.
  static std::optional<MapReader> Open(const YamlNode& node, std::string path, FieldErrors& errors,
                                       KnownKeys known);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return ChildPath(path_, key); }
  // True when `key` is present with a non-null value.
  bool Has(std::string_view key) const;

  std::optional<std::string> String(std::string_view key);
  std::optional<int32_t> Int32(std::string_view key, IntRange range);
  std::optional<uint64_t> Uint64(std::string_view key);
  std::optional<double> Number(std::string_view key);  // finite
  std::optional<bool> Bool(std::string_view key);
  std::optional<std::vector<std::string>> StringList(std::string_view key);
  std::optional<std::map<std::string, std::string>> StringMap(std::string_view key);
  // The text of a string or number, for quantities such as `250m` or `0.5`.
  std::optional<std::string> QuantityText(std::string_view key);
  std::optional<MapReader> Map(std::string_view key, KnownKeys known);
  // A list of mappings, each read at "key[i]"; an item that is not a mapping is reported
  // and left out.
  std::optional<std::vector<MapReader>> MapList(std::string_view key, KnownKeys known);

  void Fail(std::string_view key, std::string reason) {
    errors_->Add(PathOf(key), std::move(reason));
  }

 private:
  MapReader(std::string path, FieldErrors& errors) : path_(std::move(path)), errors_(&errors) {}
  void Index(const YamlNode& node, KnownKeys known);
  // The field's value; undefined when absent or null.
  YamlNode Find(std::string_view key) const;

  std::string path_;
  FieldErrors* errors_;
  std::map<std::string, YamlNode, std::less<>> fields_;
};

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_NODE_READER_H_
