// FieldErrors: everything wrong with one App, as (field path, reason) pairs.
//
// Parsing and validation add to one FieldErrors so that a user sees every problem of a
// manifest at once. Paths are written as in the manifest: `spec.replicas.max`,
// `spec.command[2]`, `metadata.labels.team`, `spec.env["odd key"]`. An empty path means
// the whole document. Thread-safety: a plain value; not for concurrent mutation.
#ifndef MICROSCALE_COMMON_MANIFEST_FIELD_ERRORS_H_
#define MICROSCALE_COMMON_MANIFEST_FIELD_ERRORS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace microscale::manifest_internal {

struct FieldError {
  std::string path;
  std::string reason;
};

class FieldErrors {
 public:
  void Add(std::string path, std::string reason);
  // Adds `error` unless an error is already recorded at its path or at a parent of it, so
  // a later, more general check does not repeat what an earlier one said.
  void AddUnlessCovered(const FieldError& error);
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& list() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

// `parent.key`, or `parent["key"]` when the key is not a plain identifier.
std::string ChildPath(std::string_view parent, std::string_view key);
// `parent[index]`.
std::string IndexPath(std::string_view parent, size_t index);
// A value quoted for an error message: C-escaped, cut to 64 characters.
std::string Quote(std::string_view value);
// "path: reason", or "reason" for an empty path.
std::string FormatFieldError(const FieldError& error);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_FIELD_ERRORS_H_
