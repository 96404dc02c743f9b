// simulate --apps FILE --nodes FILE --demand TRACE.csv: reads the three files, runs the
// engine with the chosen writer (and the plot collector), then writes the plot.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/commands.h"
#include "cli/simulate/engine.h"
#include "cli/simulate/nodes_csv.h"
#include "cli/simulate/output.h"
#include "cli/simulate/plot.h"
#include "cli/simulate/trace_csv.h"
#include "common/manifest/manifest.h"

namespace microscale::cli {
namespace {

using simulate::StepRow;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  return text.str();
}

absl::StatusOr<std::vector<AppSpec>> ReadApps(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<AppSpec>> apps = ParseManifests(*text);
  if (!apps.ok()) {
    const std::string problems(apps.status().message());
    if (problems.find('\n') == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", problems));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is invalid:\n  ", absl::StrReplaceAll(problems, {{"\n", "\n  "}})));
  }
  if (apps->empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no App documents"));
  return apps;
}

absl::StatusOr<simulate::SimulationInput> ReadInput(const SimulateOptions& options) {
  simulate::SimulationInput input;
  absl::StatusOr<std::vector<AppSpec>> apps = ReadApps(options.apps_file);
  if (!apps.ok()) return apps.status();
  input.apps = *std::move(apps);
  absl::StatusOr<std::string> nodes_text = ReadFile(options.nodes_file);
  if (!nodes_text.ok()) return nodes_text.status();
  absl::StatusOr<std::vector<simulate::SimNode>> nodes =
      simulate::ParseNodesCsv(*nodes_text, options.nodes_file);
  if (!nodes.ok()) return nodes.status();
  input.nodes = *std::move(nodes);
  absl::StatusOr<std::string> trace_text = ReadFile(options.demand_file);
  if (!trace_text.ok()) return trace_text.status();
  std::vector<std::string> names;
  for (const AppSpec& app : input.apps) names.push_back(app.name);
  absl::StatusOr<simulate::DemandTrace> trace =
      simulate::ParseDemandTrace(*trace_text, options.demand_file, names);
  if (!trace.ok()) return trace.status();
  input.trace = *std::move(trace);
  return input;
}

// Passes each step to the printed output and to the plot.
class TeeSink : public simulate::StepSink {
 public:
  TeeSink(simulate::StepSink& first, simulate::StepSink* second) : first_(first), second_(second) {}
  void OnStep(double seconds, const std::vector<StepRow>& rows) override {
    first_.OnStep(seconds, rows);
    if (second_ != nullptr) second_->OnStep(seconds, rows);
  }

 private:
  simulate::StepSink& first_;
  simulate::StepSink* second_;
};

simulate::OutputKind KindOf(const std::string& output) {
  if (output == "csv") return simulate::OutputKind::kCsv;
  if (output == "json") return simulate::OutputKind::kJson;
  return simulate::OutputKind::kTable;
}

int UsageFailure(CommandContext& context, const std::string& message) {
  context.err() << "Error: " << message << "\nRun 'microscalectl simulate --help' for usage.\n";
  return 2;
}

}  // namespace

int RunSimulate(CommandContext& context, const SimulateOptions& options) {
  absl::StatusOr<simulate::SimulationInput> input = ReadInput(options);
  if (!input.ok()) return context.FailWith(std::string(input.status().message()));
  const bool arrivals = input->trace.kind == simulate::TraceKind::kArrivals;
  if (arrivals && !options.drain_rate_given) {
    return UsageFailure(context, absl::StrCat(options.demand_file,
                                              " is an arrivals trace: --drain-rate is required "
                                              "(items/s one running container drains)"));
  }
  if (!arrivals && options.drain_rate_given) {
    return UsageFailure(context, absl::StrCat("--drain-rate applies to an arrivals trace only (",
                                              options.demand_file, " has a value column)"));
  }
  std::vector<std::string> names;
  for (const AppSpec& app : input->apps) names.push_back(app.name);
  std::unique_ptr<simulate::OutputWriter> writer =
      simulate::MakeWriter(KindOf(options.output), names, context.out());
  std::unique_ptr<simulate::PlotCollector> plot;
  if (!options.plot_file.empty()) plot = std::make_unique<simulate::PlotCollector>(names);
  TeeSink sink(*writer, plot.get());
  absl::StatusOr<simulate::SimulationSummary> summary =
      simulate::Simulate(*input, options.engine, sink);
  if (!summary.ok()) return UsageFailure(context, std::string(summary.status().message()));
  writer->Finish(*summary);
  if (plot != nullptr) {
    std::ofstream file(options.plot_file, std::ios::binary | std::ios::trunc);
    file << plot->Svg(arrivals);
    file.close();
    if (!file) {
      return context.FailWith(
          absl::StrCat("cannot write the plot to ", options.plot_file, ": ", std::strerror(errno)));
    }
  }
  return 0;
}

}  // namespace microscale::cli
