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

namespace microscale::cli {

struct ApplyOptions {
  std::string file;  // a path, or "-" for standard input
  bool dry_run = false;
  bool wait = false;
  absl::Duration wait_timeout = absl::Seconds(120);
};

enum class NodeAction { kCordon, kUncordon, kDrain };

int RunApply(CommandContext& context, const ApplyOptions& options);
int RunGetApps(CommandContext& context, const std::string& name);
int RunGetNodes(CommandContext& context, const std::string& name);
int RunGetContainers(CommandContext& context, const std::string& app, const std::string& node);
int RunDescribeApp(CommandContext& context, const std::string& name);
int RunDeleteApp(CommandContext& context, const std::string& name);
int RunSetDemand(CommandContext& context, const std::string& app, double value);
int RunNodeAction(CommandContext& context, const std::string& node, NodeAction action);
int RunEvents(CommandContext& context, bool follow);
int RunVersion(CommandContext& context);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_COMMANDS_H_
