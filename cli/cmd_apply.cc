// apply -f FILE|- [--dry-run] [--wait]: validate locally, send all apps at once, and
// optionally wait until they run.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/readiness.h"
#include "common/manifest/app_proto.h"
#include "common/manifest/manifest.h"

namespace microscale::cli {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(500);

absl::StatusOr<std::string> ReadInput(CommandContext& context, const std::string& file) {
  std::ostringstream text;
  if (file == "-") {
    text << context.in().rdbuf();
    return text.str();
  }
  std::error_code ignored;
  if (std::filesystem::is_directory(file, ignored)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", file, ": is a directory"));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", file, ": ", std::strerror(errno)));
  }
  text << in.rdbuf();
  if (in.bad()) return absl::InvalidArgumentError(absl::StrCat("cannot read ", file));
  return text.str();
}

// The request for every app of the manifest file, or the reason it is invalid.
absl::StatusOr<v1::ApplyAppsRequest> BuildRequest(CommandContext& context,
                                                  const ApplyOptions& options) {
  absl::StatusOr<std::string> text = ReadInput(context, options.file);
  if (!text.ok()) return text.status();
  const std::string source = options.file == "-" ? "<stdin>" : options.file;
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(*text);
  if (!apps.ok()) {
    const std::string problems(apps.status().message());
    if (problems.find('\n') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", problems));
    }
    // One problem per line, indented under the file name.
    return absl::InvalidArgumentError(
        absl::StrCat(source, " is invalid, nothing was applied:\n  ",
                     absl::StrReplaceAll(problems, {{"\n", "\n  "}})));
  }
  if (apps->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no App documents found"));
  }
  v1::ApplyAppsRequest request;
  request.set_dry_run(options.dry_run);
  for (const AppSpec& app : *apps) *request.add_apps() = AppToProto(app);
  return request;
}

int WaitForApps(CommandContext& context, const std::vector<std::string>& names,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  ProgressLinePrinter progress(context.out(), context.out_is_terminal());
  while (true) {
    auto response = context.client().GetApps(v1::GetAppsRequest());
    if (!response.ok()) {
      progress.Finish();
      return context.Fail(response.status());
    }
    std::vector<AppReadiness> readiness = EvaluateReadiness(response->apps(), names);
    if (AllReady(readiness)) {
      progress.Finish();
      for (const AppReadiness& app : readiness) {
        context.out() << "app/" << app.name << " ready (" << app.detail << ")\n";
      }
      return 0;
    }
    if (absl::Now() >= deadline) {
      progress.Finish();
      return context.FailWith(
          absl::StrCat("timed out after ", absl::FormatDuration(timeout),
                       " waiting for apps to be ready: ", NotReadySummary(readiness)));
    }
    progress.Update(ProgressLine(readiness), absl::Now());
    absl::SleepFor(kPollInterval);
  }
}

}  // namespace

int RunApply(CommandContext& context, const ApplyOptions& options) {
  absl::StatusOr<v1::ApplyAppsRequest> request = BuildRequest(context, options);
  if (!request.ok()) return context.FailWith(std::string(request.status().message()));
  auto response = context.client().ApplyApps(*request);
  if (!response.ok()) return context.Fail(response.status());
  const char* suffix = options.dry_run ? " (dry run)" : "";
  for (const auto& change : response->changes()) {
    context.out() << "app/" << change.name() << ' ' << change.action() << suffix << '\n';
  }
  if (!options.wait || options.dry_run) return 0;
  std::vector<std::string> names;
  for (const v1::AppSpec& app : request->apps()) names.push_back(app.name());
  return WaitForApps(context, names, options.wait_timeout);
}

}  // namespace microscale::cli
