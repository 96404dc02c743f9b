// RunCliForTest: runs microscalectl in-process with captured output, for the CLI's tests.
//
// Thread-safety: each call is independent.
#ifndef MICROSCALE_CLI_TESTING_RUN_CLI_H_
#define MICROSCALE_CLI_TESTING_RUN_CLI_H_

#include <sstream>
#include <string>
#include <vector>

#include "cli/run.h"

namespace microscale::cli::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `microscalectl args...` with `stdin_text` as standard input.
inline CliResult RunCliForTest(const std::vector<std::string>& args,
                               const std::string& stdin_text = "") {
  std::vector<const char*> argv = {"microscalectl"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in(stdin_text);
  CliIo io{out, err, in, false};
  CliResult result;
  result.exit_code = RunCli(static_cast<int>(argv.size()), argv.data(), io);
  result.out = out.str();
  result.err = err.str();
  return result;
}

}  // namespace microscale::cli::testing

#endif  // MICROSCALE_CLI_TESTING_RUN_CLI_H_
