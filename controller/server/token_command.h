// `microscale-controller token`: creates, lists and revokes the API tokens of microscalectl
// in the controller's state database, while the controller runs or not.
//
//   microscale-controller token create --name NAME --role read|admin [--data-dir DIR]
//   microscale-controller token list [--data-dir DIR]
//   microscale-controller token revoke NAME [--data-dir DIR]
//
// `create` prints the secret on stdout (the only time it is shown) and a hint on stderr;
// only its SHA-256 is stored. A running controller on the same data directory sees the
// change within about a second. Exit codes: 0 success, 1 the command failed (the message
// names the cause), 2 usage error (the message names the argument).
// Thread-safety: runs on the calling thread; it only touches its own store connection.
#ifndef MICROSCALE_CONTROLLER_SERVER_TOKEN_COMMAND_H_
#define MICROSCALE_CONTROLLER_SERVER_TOKEN_COMMAND_H_

#include <ostream>

namespace microscale {

// Runs the command; argv[0] is "token" and the rest its arguments.
int RunTokenCommand(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_TOKEN_COMMAND_H_
