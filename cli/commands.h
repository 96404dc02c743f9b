// The commands of microscalectl, each run after its arguments have been parsed and checked.
//
// Every command returns the process exit code: 0 when it did what was asked, 1 when a
// request failed (it has printed "Error: ..." to the context's err stream).
// Thread-safety: each call uses only its own context.
#ifndef MICROSCALE_CLI_COMMANDS_H_
#define MICROSCALE_CLI_COMMANDS_H_

#include <string>

#include "absl/time/time.h"
#include "cli/context.h"
#include "cli/simulate/engine.h"

namespace microscale::cli {

struct ApplyOptions {
  std::string file;  // a path, or "-" for standard input
  bool dry_run = false;
  bool wait = false;
  absl::Duration wait_timeout = absl::Seconds(120);
};

enum class NodeAction { kCordon, kUncordon, kDrain };

// `simulate`: the decision core run offline over a demand trace; no controller involved.
struct SimulateOptions {
  std::string apps_file;         // manifests, as `apply -f` takes them
  std::string nodes_file;        // name,cpu,memory,maxContainers,labels
  std::string demand_file;       // seconds,app,value or seconds,app,arrivals
  std::string output = "table";  // table | csv | json
  std::string plot_file;         // --plot: an SVG to write; empty: none
  bool drain_rate_given = false;
  simulate::SimulationOptions engine;
};

int RunApply(CommandContext& context, const ApplyOptions& options);
int RunGetApps(CommandContext& context, const std::string& name);
int RunGetNodes(CommandContext& context, const std::string& name);
// `name`: only the container of this instance (empty: all).
int RunGetContainers(CommandContext& context, const std::string& app, const std::string& node,
                     const std::string& name = "");
// `app`: only its endpoints (empty: every app's). `watch`: print the whole list again each
// time it changes, until the stream ends or the process is interrupted.
int RunGetEndpoints(CommandContext& context, const std::string& app, bool watch);
int RunGetControllers(CommandContext& context);
int RunDescribeApp(CommandContext& context, const std::string& name);
int RunDeleteApp(CommandContext& context, const std::string& name);
int RunDeleteNode(CommandContext& context, const std::string& name);
int RunSetDemand(CommandContext& context, const std::string& app, double value);
int RunNodeAction(CommandContext& context, const std::string& node, NodeAction action);
int RunEvents(CommandContext& context, bool follow);
int RunVersion(CommandContext& context);
// Exit codes: 0 done, 1 an input file is unreadable or invalid (FILE:LINE: reason) or the
// plot cannot be written, 2 --drain-rate given or missing for the trace's kind.
int RunSimulate(CommandContext& context, const SimulateOptions& options);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_COMMANDS_H_
