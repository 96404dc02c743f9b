// Command-line flags of the daemons, each with its environment twin.
//
// `--data-dir` is also read from MICROSCALE_DATA_DIR; the command line wins. Header-only so
// common/ does not link CLI11; the binaries that parse flags do.
#ifndef MICROSCALE_COMMON_FLAGS_H_
#define MICROSCALE_COMMON_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cctype>
#include <string>

namespace microscale {

// "data-dir" -> "MICROSCALE_DATA_DIR".
inline std::string FlagEnvName(const std::string& flag) {
  std::string env = "MICROSCALE_" + flag;
  for (char& c : env) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

// Adds `--name` (text, checked by the caller after parsing) with its env twin.
inline void AddEnvFlag(CLI::App& app, const std::string& name, std::string* value,
                       const std::string& help) {
  app.add_option("--" + name, *value, help)->envname(FlagEnvName(name))->capture_default_str();
}

}  // namespace microscale

#endif  // MICROSCALE_COMMON_FLAGS_H_
