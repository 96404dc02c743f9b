// RunCli: microscalectl from its argument vector to its exit code.
//
// Parses the command line (CLI11), checks every value, runs the command and returns
// 0 (success), 1 (the request failed; "Error: ..." on err) or 2 (usage error, with a
// hint to --help on err). It never throws. main() only forwards to it, so tests run the
// whole CLI in-process.
// Thread-safety: each call is independent.
#ifndef MICROSCALE_CLI_RUN_H_
#define MICROSCALE_CLI_RUN_H_

#include <ostream>

#include "cli/context.h"

namespace microscale::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Reads standard input for `apply -f -`; progress lines are rewritten in place when `out`
// is std::cout and standard output is a terminal.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// The same with every stream given.
int RunCli(int argc, const char* const* argv, const CliIo& io);

// What RunCli would decide from the command line alone, without running anything and
// without dialing a controller: either a command would run (`runs_command`, with the
// checked `global` options), or RunCli would stop with `exit_code` (0 for --help and
// --version, 2 for a usage error) after writing the same text to `io`.
struct ParsedCommandLine {
  bool runs_command = false;
  int exit_code = kExitOk;
  GlobalOptions global;
};
ParsedCommandLine ParseCliOnly(int argc, const char* const* argv, const CliIo& io);

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_RUN_H_
