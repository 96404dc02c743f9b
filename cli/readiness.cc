#include "cli/readiness.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace microscale::cli {
namespace {

bool IsFailing(const v1::Condition& condition) {
  if (condition.status() == "False") return true;
  const bool failure_named = absl::StrContains(condition.type(), "Fail") ||
                             absl::StrContains(condition.type(), "Degraded") ||
                             absl::StrContains(condition.type(), "Error");
  return failure_named && condition.status() == "True";
}

AppReadiness Evaluate(const v1::App& app) {
  const v1::AppStatus& status = app.status();
  AppReadiness result{app.spec().name(), false, ""};
  for (const v1::Condition& condition : status.conditions()) {
    if (IsFailing(condition)) {
      result.detail = absl::StrCat(condition.type(), "=", condition.status());
      if (!condition.message().empty()) absl::StrAppend(&result.detail, ": ", condition.message());
      return result;
    }
  }
  if (!status.has_demand()) {
    result.detail = "demand not read yet";
    return result;
  }
  result.detail = absl::StrCat(status.running(), "/", status.desired(), " running");
  if (status.allocated() != status.desired()) {
    absl::StrAppend(&result.detail, ", ", status.allocated(), " allocated");
  }
  result.ready = status.running() == status.allocated() && status.allocated() == status.desired();
  return result;
}

}  // namespace

std::vector<AppReadiness> EvaluateReadiness(const google::protobuf::RepeatedPtrField<v1::App>& apps,
                                            const std::vector<std::string>& names) {
  std::vector<AppReadiness> result;
  for (const std::string& name : names) {
    AppReadiness readiness{name, false, "not found"};
    for (const v1::App& app : apps) {
      if (app.spec().name() == name) readiness = Evaluate(app);
    }
    result.push_back(std::move(readiness));
  }
  return result;
}

bool AllReady(const std::vector<AppReadiness>& readiness) {
  for (const AppReadiness& app : readiness) {
    if (!app.ready) return false;
  }
  return true;
}

std::string NotReadySummary(const std::vector<AppReadiness>& readiness) {
  std::vector<std::string> parts;
  for (const AppReadiness& app : readiness) {
    if (!app.ready) parts.push_back(absl::StrCat(app.name, " (", app.detail, ")"));
  }
  return absl::StrJoin(parts, ", ");
}

std::string ProgressLine(const std::vector<AppReadiness>& readiness) {
  size_t ready = 0;
  for (const AppReadiness& app : readiness) ready += app.ready ? 1 : 0;
  std::string line = absl::StrCat(ready, "/", readiness.size(), " apps ready");
  if (ready < readiness.size())
    absl::StrAppend(&line, "; waiting for ", NotReadySummary(readiness));
  return line;
}

}  // namespace microscale::cli
