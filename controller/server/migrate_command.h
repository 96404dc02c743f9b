// `microscale-controller migrate`: copies the state of a single controller (its SQLite
// database) into an empty etcd prefix, the move from one controller to several on etcd.
//
//   microscale-controller migrate --data-dir DIR --to etcd://h1:2379[,h2:2379...]
//       [--etcd-prefix /microscale/<cluster-name>/] [--cluster-name NAME]
//
// Everything is copied: apps (with their creation times and generations), static demand
// values, cordons and drains, instance assignments, ordinal counters and API tokens. The
// controller must be stopped (the data directory's lock is taken), and the prefix must be
// empty: anything there is refused, and a copy that fails part way is removed again.
// Exit codes: 0 copied, 1 the copy failed (the message names the cause), 2 usage error.
// Thread-safety: runs on the calling thread.
#ifndef MICROSCALE_CONTROLLER_SERVER_MIGRATE_COMMAND_H_
#define MICROSCALE_CONTROLLER_SERVER_MIGRATE_COMMAND_H_

#include <ostream>

namespace microscale {

// Runs the command; argv[0] is "migrate" and the rest its arguments.
int RunMigrateCommand(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_MIGRATE_COMMAND_H_
