// Reading of one YAML document of a manifest into an AppSpec.
//
// ReadAppDocument checks shape and types (unknown fields, wrong types, missing required
// fields and source blocks, unknown enum names) and fills defaults; value rules (ranges,
// formats) are left to ValidateSpec, which the caller runs next on the same FieldErrors.
// An AppList (what `microscalectl get apps -o yaml|json` prints) holds Apps under `items`;
// each item is read as an App whose `status` is ignored. Never throws. Thread-safety: pure;
// thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_DOCUMENT_READER_H_
#define MICROSCALE_COMMON_MANIFEST_DOCUMENT_READER_H_

#include <vector>

#include "common/manifest/app.h"
#include "common/manifest/field_errors.h"
#include "common/manifest/yaml_load.h"

namespace microscale::manifest_internal {

AppSpec ReadAppDocument(const YamlNode& document, FieldErrors& errors, bool list_item = false);

// Whether `document` is a mapping of kind AppList.
bool IsAppList(const YamlNode& document);

// The items of an AppList document; errors (the list's own fields) go to `errors`.
std::vector<YamlNode> ReadAppList(const YamlNode& document, FieldErrors& errors);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_DOCUMENT_READER_H_
