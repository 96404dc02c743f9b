#include "common/manifest/manifest.h"

#include <exception>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/manifest/document_reader.h"
#include "common/manifest/field_errors.h"
#include "common/manifest/formats.h"
#include "common/manifest/prescan.h"
#include "common/manifest/validate.h"
#include "common/manifest/yaml_load.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace microscale {
namespace {

using manifest_internal::FieldError;
using manifest_internal::FieldErrors;

// One non-empty document of the file (or one item of an AppList), read and validated.
struct Document {
  size_t index;
  std::optional<size_t> item;  // the index in an AppList's items
  AppSpec app;
  FieldErrors errors;
};

std::string DocumentPrefix(const Document& doc) {
  std::string where = absl::StrCat("document ", doc.index);
  if (doc.item) absl::StrAppend(&where, ", items[", *doc.item, "]");
  if (doc.app.name.empty() || manifest_internal::DnsLabelProblem(doc.app.name)) {
    return absl::StrCat(where, ": ");
  }
  return absl::StrCat(where, " (", doc.app.name, "): ");
}

absl::StatusOr<std::vector<AppSpec>> CheckDocuments(std::vector<Document>& documents) {
  if (documents.empty()) {
    return absl::InvalidArgumentError("manifest holds no documents (expected at least one App)");
  }
  std::map<std::string, std::string> first_with_name;  // name -> where, as in the prefix
  for (Document& doc : documents) {
    if (doc.app.name.empty()) continue;
    std::string where = absl::StrCat("document ", doc.index);
    if (doc.item) absl::StrAppend(&where, ", items[", *doc.item, "]");
    auto [it, inserted] = first_with_name.emplace(doc.app.name, std::move(where));
    if (!inserted) {
      doc.errors.AddUnlessCovered(FieldError{
          "metadata.name", absl::StrCat("duplicate name: ", it->second, " has the same name")});
    }
  }
  std::vector<std::string> lines;
  std::vector<AppSpec> apps;
  apps.reserve(documents.size());
  for (Document& doc : documents) {
    for (const FieldError& error : doc.errors.list()) {
      lines.push_back(
          absl::StrCat(DocumentPrefix(doc), manifest_internal::FormatFieldError(error)));
    }
    apps.push_back(std::move(doc.app));
  }
  RETURN_IF_ERROR(manifest_internal::ErrorLinesToStatus(lines));
  return apps;
}

absl::StatusOr<std::vector<AppSpec>> ParseChecked(std::string_view yaml) {
  RETURN_IF_ERROR(manifest_internal::PrescanManifest(yaml));
  ASSIGN_OR_RETURN(manifest_internal::YamlDocuments loaded,
                   manifest_internal::LoadYamlDocuments(yaml));
  const std::vector<manifest_internal::YamlNode>& nodes = loaded.documents();
  std::vector<Document> documents;
  documents.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].IsNull()) continue;
    if (manifest_internal::IsAppList(nodes[i])) {
      Document list{i + 1, std::nullopt, {}, {}};
      std::vector<manifest_internal::YamlNode> items =
          manifest_internal::ReadAppList(nodes[i], list.errors);
      if (!list.errors.list().empty()) {
        documents.push_back(std::move(list));
        continue;
      }
      for (size_t j = 0; j < items.size(); ++j) {
        Document doc{i + 1, j, {}, {}};
        doc.app = manifest_internal::ReadAppDocument(items[j], doc.errors, /*list_item=*/true);
        manifest_internal::ValidateSpec(doc.app, doc.errors);
        documents.push_back(std::move(doc));
      }
      continue;
    }
    Document doc{i + 1, std::nullopt, {}, {}};
    doc.app = manifest_internal::ReadAppDocument(nodes[i], doc.errors);
    manifest_internal::ValidateSpec(doc.app, doc.errors);
    documents.push_back(std::move(doc));
  }
  return CheckDocuments(documents);
}

}  // namespace

absl::StatusOr<std::vector<AppSpec>> ParseManifests(std::string_view yaml) {
  try {
    return ParseChecked(yaml);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("could not read manifest: ", e.what()));
  } catch (...) {
    return absl::InvalidArgumentError("could not read manifest");
  }
}

absl::Status ValidateApp(const AppSpec& app) {
  return manifest_internal::AppErrorsToStatus(app, FieldErrors());
}

}  // namespace microscale
