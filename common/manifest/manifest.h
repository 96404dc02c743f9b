// Parsing and validation of App manifests (apiVersion microscale.io/v1, kind App).
//
// A manifest file holds one or more YAML documents separated by `---`, each an App or an
// AppList (its items are Apps; see document_reader.h). ParseManifests checks every
// document before it returns anything, so a caller applies all of a file or none of it.
// Errors are InvalidArgument, one line per problem, each naming the document (1-based
// index, and its name when known), the field path and the reason:
//
//   document 2 (checkout-api): spec.replicas.max: must be >= spec.replicas.min (5)
//
// At most kMaxReportedErrors lines are listed, then a count of the rest. The rules are
// listed in docs/manifest.md. Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_MANIFEST_H_
#define MICROSCALE_COMMON_MANIFEST_MANIFEST_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/manifest/app.h"

namespace microscale {

inline constexpr size_t kMaxReportedErrors = 200;

// The Apps of a manifest file, in file order, with defaults filled in. Empty documents
// (between two `---`, or only comments) are skipped; a file with no App is an error, and
// so are two documents with the same name.
absl::StatusOr<std::vector<AppSpec>> ParseManifests(std::string_view yaml);

// Checks an App that arrived by another route (gRPC) against the same rules. Errors are
// InvalidArgument, one line per problem: `app NAME: spec.priority: must be between 1 and
// 1000 (got 0)`.
absl::Status ValidateApp(const AppSpec& app);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_MANIFEST_MANIFEST_H_
