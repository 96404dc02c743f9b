// Command-line flags of the daemons, each with its environment twin.
//
// `--data-dir` is also read from MICROSCALE_DATA_DIR; the command line wins. Header-only so
// common/ does not link CLI11; the binaries that parse flags do.
#ifndef MICROSCALE_COMMON_FLAGS_H_
#define MICROSCALE_COMMON_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdlib>
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

// A usage error "PROGRAM: --FLAG: why" about a flag that only its environment twin set
// names the variable too: "PROGRAM: --FLAG (from MICROSCALE_FLAG=10): why". Otherwise the
// message is returned as it is.
inline std::string NameEnvSource(const std::string& message, int argc, const char* const* argv) {
  const size_t start = message.find(": --");
  if (start == std::string::npos) return message;
  const size_t name_at = start + 4;
  const size_t end = message.find(':', name_at);
  if (end == std::string::npos) return message;
  const std::string flag = message.substr(name_at, end - name_at);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--" + flag || arg.rfind("--" + flag + "=", 0) == 0) return message;
  }
  const std::string env = FlagEnvName(flag);
  const char* value = std::getenv(env.c_str());
  if (value == nullptr) return message;
  return message.substr(0, end) + " (from " + env + "=" + value + ")" + message.substr(end);
}

}  // namespace microscale

#endif  // MICROSCALE_COMMON_FLAGS_H_
