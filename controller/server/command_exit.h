// The exit codes and usage message of microscale-controller's commands (token, migrate).
#ifndef MICROSCALE_CONTROLLER_SERVER_COMMAND_EXIT_H_
#define MICROSCALE_CONTROLLER_SERVER_COMMAND_EXIT_H_

#include <ostream>
#include <string_view>

namespace microscale {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the command failed; the message names the cause
inline constexpr int kExitUsage = 2;   // bad arguments; the message names the argument

// Prints "<program>: <argument>: <why>" and where to find help; returns kExitUsage.
inline int PrintUsageError(std::ostream& err, std::string_view program, std::string_view argument,
                           std::string_view why) {
  err << program << ": " << argument << (argument.empty() ? "" : ": ") << why << "\nRun '"
      << program << " --help' for more information.\n";
  return kExitUsage;
}

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_COMMAND_EXIT_H_
