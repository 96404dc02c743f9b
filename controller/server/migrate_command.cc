#include "controller/server/migrate_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/flags.h"
#include "common/strings.h"
#include "common/tls/tls_credentials.h"
#include "controller/server/command_exit.h"
#include "controller/server/controller_flags.h"
#include "controller/server/data_dir_lock.h"
#include "controller/server/etcd_target.h"
#include "controller/store/etcd_client.h"
#include "controller/store/etcd_state_store.h"
#include "controller/store/sqlite_state_store.h"
#include "controller/store/state_snapshot.h"

namespace microscale {
namespace {

constexpr const char* kProgram = "microscale-controller migrate";

struct MigrateArgs {
  std::string data_dir;
  std::string to;
  EtcdTarget etcd;
};

int Usage(std::ostream& err, std::string_view argument, std::string_view why) {
  return PrintUsageError(err, kProgram, argument, why);
}

int Failed(std::ostream& err, const absl::Status& status) {
  err << kProgram << ": " << status.message() << "\n";
  return kExitFailed;
}

int Migrate(const MigrateArgs& args, const std::vector<std::string>& endpoints,
            const std::string& prefix, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::shared_ptr<EtcdClient>> client =
      DialEtcdTarget(endpoints, args.etcd, absl::Seconds(10));
  if (!client.ok()) return Failed(err, client.status());
  std::filesystem::path db = std::filesystem::path(args.data_dir) / SqliteStateStore::kFileName;
  std::error_code error;
  if (!std::filesystem::exists(db, error)) {
    return Failed(err, absl::FailedPreconditionError(absl::StrCat(
                           "no state database at ", db.string(),
                           ": pass the --data-dir of the controller whose state to copy")));
  }
  // A controller still running on the directory would go on changing what is copied.
  absl::StatusOr<std::unique_ptr<DataDirLock>> lock = DataDirLock::Acquire(args.data_dir);
  if (!lock.ok()) {
    return Failed(err, absl::Status(lock.status().code(),
                                    absl::StrCat(lock.status().message(),
                                                 "; stop that controller before migrating")));
  }
  absl::StatusOr<std::unique_ptr<SqliteStateStore>> sqlite = SqliteStateStore::Open(args.data_dir);
  if (!sqlite.ok()) return Failed(err, sqlite.status());
  absl::StatusOr<StateSnapshot> snapshot = ReadSnapshot(**sqlite);
  if (!snapshot.ok()) return Failed(err, snapshot.status());

  EtcdStateStore etcd(*client, prefix);
  absl::StatusOr<int64_t> written = etcd.ImportSnapshot(*snapshot, args.etcd.cluster_name);
  if (!written.ok()) {
    return Failed(err, absl::Status(written.status().code(),
                                    absl::StrCat("etcd at ", absl::StrJoin(endpoints, ","), ": ",
                                                 written.status().message())));
  }
  out << "copied " << snapshot->apps.size() << " apps, " << snapshot->static_demands.size()
      << " static demand values, " << snapshot->cordons.size() << " cordons, "
      << snapshot->assignments.size() << " assignments, " << snapshot->next_ordinals.size()
      << " ordinal counters and " << snapshot->tokens.size() << " tokens (" << *written
      << " keys) from " << args.data_dir << " to etcd prefix " << prefix << " of cluster \""
      << args.etcd.cluster_name << "\"\n";
  err << "next: start the controllers with --store " << args.to << " --cluster-name "
      << args.etcd.cluster_name << " (and --etcd-prefix " << prefix
      << " if not the default); keep the data directory until they run\n";
  return kExitOk;
}

}  // namespace

int RunMigrateCommand(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  MigrateArgs args;
  CLI::App app(
      "Copies a controller's SQLite state (--data-dir) into an empty etcd prefix, so that\n"
      "several controllers can share it (--store etcd://...). Stop the controller first.",
      kProgram);
  app.footer(
      "Copies apps (creation times and generations kept), static demand values, cordons and\n"
      "drains, instance assignments, ordinal counters and API tokens. A prefix that holds\n"
      "anything is refused; a copy that fails part way is removed again.\n"
      "Example:\n  microscale-controller migrate --data-dir /var/lib/microscale \\\n"
      "      --to etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379 --cluster-name prod\n"
      "Exit codes:\n  0 copied, 1 the copy failed, 2 usage error\n");
  app.add_option("--data-dir", args.data_dir, "the data directory of the controller to copy")
      ->required();
  app.add_option("--to", args.to, "etcd://host:port[,host:port...]: the etcd to copy into")
      ->required();
  AddEtcdTargetFlags(app, &args.etcd);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return Usage(err, "", e.what());
  }
  if (args.data_dir.empty()) return Usage(err, "--data-dir", "must not be empty");
  absl::StatusOr<std::vector<std::string>> endpoints = ParseEtcdUrl(args.to);
  if (!endpoints.ok()) return Usage(err, "--to", ToStd(endpoints.status().message()));
  std::string prefix;
  if (std::optional<EtcdTargetProblem> problem = ResolveEtcdTarget(args.etcd, &prefix)) {
    return Usage(err, problem->flag, problem->why);
  }
  return Migrate(args, *endpoints, prefix, out, err);
}

}  // namespace microscale
