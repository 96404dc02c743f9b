#include "common/manifest/manifest.h"

#include <exception>
#include <map>
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
#include "yaml-cpp/yaml.h"

namespace microscale {
namespace {

using manifest_internal::FieldError;
using manifest_internal::FieldErrors;

std::string DocumentPrefix(size_t index, const std::string& name) {
  if (name.empty() || manifest_internal::DnsLabelProblem(name)) {
    return absl::StrCat("document ", index, ": ");
  }
  return absl::StrCat("document ", index, " (", name, "): ");
}

// One non-empty document of the file, read and validated.
struct Document {
  size_t index;
  AppSpec app;
  FieldErrors errors;
};

absl::StatusOr<std::vector<AppSpec>> CheckDocuments(std::vector<Document>& documents) {
  if (documents.empty()) {
    return absl::InvalidArgumentError("manifest holds no documents (expected at least one App)");
  }
  std::map<std::string, size_t> first_with_name;
  for (Document& doc : documents) {
    if (doc.app.name.empty()) continue;
    auto [it, inserted] = first_with_name.emplace(doc.app.name, doc.index);
    if (!inserted) {
      doc.errors.AddUnlessCovered(
          FieldError{"metadata.name",
                     absl::StrCat("duplicate name: document ", it->second, " has the same name")});
    }
  }
  std::vector<std::string> lines;
  std::vector<AppSpec> apps;
  for (Document& doc : documents) {
    for (const FieldError& error : doc.errors.list()) {
      lines.push_back(absl::StrCat(DocumentPrefix(doc.index, doc.app.name),
                                   manifest_internal::FormatFieldError(error)));
    }
    apps.push_back(std::move(doc.app));
  }
  RETURN_IF_ERROR(manifest_internal::ErrorLinesToStatus(lines));
  return apps;
}

absl::StatusOr<std::vector<AppSpec>> ParseChecked(std::string_view yaml) {
  RETURN_IF_ERROR(manifest_internal::PrescanManifest(yaml));
  ASSIGN_OR_RETURN(std::vector<YAML::Node> nodes, manifest_internal::LoadYamlDocuments(yaml));
  std::vector<Document> documents;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].IsNull()) continue;
    Document doc{i + 1, {}, {}};
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
