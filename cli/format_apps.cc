#include "cli/format_apps.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/app_json.h"
#include "cli/output.h"
#include "cli/table.h"
#include "cli/time_format.h"
#include "common/quantity.h"

namespace microscale::cli {
namespace {

std::string DemandCell(const v1::AppStatus& status) {
  return status.has_demand() ? FormatDemand(status.demand()) : "<unknown>";
}

std::vector<std::string> AppRow(const v1::App& app, bool wide) {
  const v1::AppSpec& spec = app.spec();
  const v1::AppStatus& status = app.status();
  std::vector<std::string> row = {spec.name(),
                                  absl::StrCat(spec.priority()),
                                  spec.demand().source(),
                                  DemandCell(status),
                                  absl::StrCat(status.desired()),
                                  absl::StrCat(status.allocated()),
                                  absl::StrCat(status.running()),
                                  absl::StrCat(spec.replicas().min()),
                                  absl::StrCat(spec.replicas().max())};
  if (wide) {
    row.push_back(absl::StrCat(status.standby()));
    row.push_back(absl::StrCat(status.paused()));
    row.push_back(spec.image());
    row.push_back(FormatCpuMillis(spec.resources().cpu_millis()));
    row.push_back(FormatMemoryBytes(spec.resources().memory_bytes()));
  }
  return row;
}

nlohmann::json ConditionJson(const v1::Condition& condition) {
  return {{"type", condition.type()},
          {"status", condition.status()},
          {"reason", condition.reason()},
          {"message", condition.message()},
          {"lastTransitionTime", Rfc3339OrNull(condition.last_transition_unix_ms())}};
}

}  // namespace

std::string FormatDemand(double demand) {
  if (!std::isfinite(demand)) return absl::StrCat(demand);
  if (std::fabs(demand) < 1e15 && demand == std::floor(demand)) {
    return absl::StrCat(static_cast<int64_t>(demand));
  }
  std::string text = absl::StrFormat("%.3f", demand);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string AppsTable(const AppMessages& apps, bool wide) {
  std::vector<std::string> header = {"NAME",      "PRIORITY", "SOURCE", "DEMAND", "DESIRED",
                                     "ALLOCATED", "RUNNING",  "MIN",    "MAX"};
  if (wide) header.insert(header.end(), {"STANDBY", "PAUSED", "IMAGE", "CPU", "MEMORY"});
  Table table(std::move(header));
  for (const v1::App& app : apps) table.AddRow(AppRow(app, wide));
  return table.Render();
}

nlohmann::json AppStatusJson(const v1::AppStatus& status) {
  nlohmann::json conditions = nlohmann::json::array();
  for (const v1::Condition& condition : status.conditions()) {
    conditions.push_back(ConditionJson(condition));
  }
  nlohmann::json demand = nullptr;
  if (status.has_demand()) demand = status.demand();
  nlohmann::json out = {{"demand", demand},
                        {"desired", status.desired()},
                        {"allocated", status.allocated()},
                        {"running", status.running()},
                        {"ready", status.ready()},
                        {"paused", status.paused()},
                        {"standby", status.standby()},
                        {"conditions", std::move(conditions)}};
  // The estimates of queue mode and the forecast of predictive mode, only once known.
  if (status.has_arrival_rate()) {
    out["arrivalRate"] = status.arrival_rate();
    out["arrivalsCounted"] = status.arrivals_counted();
  }
  if (status.has_drain_rate_per_container()) {
    out["drainRatePerContainer"] = status.drain_rate_per_container();
  }
  if (status.has_forecast()) out["forecast"] = status.forecast();
  return out;
}

nlohmann::json AppJson(const v1::App& app) {
  nlohmann::json object = AppManifestJson(app.spec());
  object["status"] = AppStatusJson(app.status());
  return object;
}

nlohmann::json AppListJson(const AppMessages& apps) {
  nlohmann::json items = nlohmann::json::array();
  for (const v1::App& app : apps) items.push_back(AppJson(app));
  return ListObject("AppList", std::move(items));
}

}  // namespace microscale::cli
