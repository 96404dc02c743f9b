#include "controller/server/token_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/flags.h"
#include "common/strings.h"
#include "controller/server/api_token.h"
#include "controller/server/command_exit.h"
#include "controller/server/etcd_target.h"
#include "controller/store/etcd_client.h"
#include "controller/store/etcd_state_store.h"
#include "controller/store/sqlite_state_store.h"

namespace microscale {
namespace {

constexpr const char* kProgram = "microscale-controller token";

struct TokenArgs {
  std::string data_dir = "./microscale-data";
  std::string store = "sqlite";  // or etcd://host:port[,host:port...]
  EtcdTarget etcd;
  std::string name;
  std::string role;
  // Resolved from `store` and `etcd`: the etcd endpoints (empty for SQLite) and prefix.
  std::vector<std::string> etcd_endpoints;
  std::string etcd_prefix;
};

struct Io {
  std::ostream& out;
  std::ostream& err;
};

int Failed(const Io& io, std::string_view command, const absl::Status& status) {
  io.err << kProgram << " " << command << ": " << status.message() << "\n";
  return kExitFailed;
}

int Usage(const Io& io, std::string_view argument, std::string_view why) {
  return PrintUsageError(io.err, kProgram, argument, why);
}

// Opens the store: the etcd prefix of --store etcd://... (refused when it holds another
// cluster's state), else the SQLite database of `args.data_dir`. Unless `may_create`, a
// directory without a state database is an error rather than a new empty database.
absl::StatusOr<std::unique_ptr<StateStore>> OpenStore(const TokenArgs& args, bool may_create) {
  if (!args.etcd_endpoints.empty()) {
    absl::StatusOr<std::shared_ptr<EtcdClient>> client =
        DialEtcdTarget(args.etcd_endpoints, args.etcd, absl::Seconds(10));
    if (!client.ok()) return client.status();
    auto store = std::make_unique<EtcdStateStore>(*client, args.etcd_prefix);
    if (absl::Status s = store->ClaimFor(args.etcd.cluster_name); !s.ok()) return s;
    return store;
  }
  std::filesystem::path db = std::filesystem::path(args.data_dir) / SqliteStateStore::kFileName;
  std::error_code error;
  if (!may_create && !std::filesystem::exists(db, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no state database at ", db.string(),
                     ": pass the controller's --data-dir (or set MICROSCALE_DATA_DIR)"));
  }
  absl::StatusOr<std::unique_ptr<SqliteStateStore>> store = SqliteStateStore::Open(args.data_dir);
  if (!store.ok()) return store.status();
  return std::unique_ptr<StateStore>(*std::move(store));
}

int Create(const TokenArgs& args, const Io& io) {
  if (args.role != "read" && args.role != "admin") {
    return Usage(io, "--role", absl::StrCat("\"", args.role, "\" is not read or admin"));
  }
  absl::StatusOr<std::string> secret = NewTokenSecret();
  if (!secret.ok()) return Failed(io, "create", secret.status());
  absl::StatusOr<std::unique_ptr<StateStore>> store = OpenStore(args, true);
  if (!store.ok()) return Failed(io, "create", store.status());
  absl::StatusOr<std::vector<StoredToken>> before = (*store)->ListTokens();
  if (!before.ok()) return Failed(io, "create", before.status());
  absl::StatusOr<StoredToken> token =
      (*store)->CreateToken(args.name, args.role, HashTokenSecret(*secret));
  if (absl::IsInvalidArgument(token.status()))
    return Usage(io, "--name", ToStd(token.status().message()));
  if (!token.ok()) return Failed(io, "create", token.status());
  io.out << *secret << "\n";
  io.err << "created token \"" << token->name << "\" (role " << token->role
         << "); it is not shown again. Pass it to microscalectl with --token or MICROSCALE_TOKEN."
         << (before->empty() ? " This is the first token: from now on the controller's API "
                               "requires one."
                             : "")
         << "\n";
  return kExitOk;
}

int List(const TokenArgs& args, const Io& io) {
  absl::StatusOr<std::unique_ptr<StateStore>> store = OpenStore(args, false);
  if (!store.ok()) return Failed(io, "list", store.status());
  absl::StatusOr<std::vector<StoredToken>> tokens = (*store)->ListTokens();
  if (!tokens.ok()) return Failed(io, "list", tokens.status());
  size_t width = 4;
  for (const StoredToken& t : *tokens) width = std::max(width, t.name.size());
  auto row = [&](std::string_view name, std::string_view role, std::string_view created) {
    io.out << name << std::string(width - name.size() + 3, ' ') << role
           << std::string(5 - std::min<size_t>(role.size(), 5) + 3, ' ') << created << "\n";
  };
  row("NAME", "ROLE", "CREATED");
  for (const StoredToken& t : *tokens) {
    row(t.name, t.role, absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t.created, absl::UTCTimeZone()));
  }
  if (tokens->empty()) {
    io.err << "no tokens: the API is open to anyone who can reach the controller's gRPC port\n";
  }
  return kExitOk;
}

int Revoke(const TokenArgs& args, const Io& io) {
  absl::StatusOr<std::unique_ptr<StateStore>> store = OpenStore(args, false);
  if (!store.ok()) return Failed(io, "revoke", store.status());
  if (absl::Status s = (*store)->DeleteToken(args.name); !s.ok()) return Failed(io, "revoke", s);
  io.out << "token \"" << args.name << "\" revoked\n";
  absl::StatusOr<std::vector<StoredToken>> left = (*store)->ListTokens();
  if (left.ok() && left->empty()) {
    io.err << "no token is left: the API is open again to anyone who can reach the "
              "controller's gRPC port\n";
  }
  return kExitOk;
}

}  // namespace

int RunTokenCommand(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  Io io{out, err};
  TokenArgs args;
  CLI::App app(
      "Manages the bearer tokens microscalectl presents to this controller. While no token\n"
      "exists the API is open; once one exists every call needs a token. Only a SHA-256 of\n"
      "each secret is stored; a running controller on the same --data-dir, or on the same\n"
      "etcd prefix with --store etcd://..., sees changes within about a second.",
      kProgram);
  app.footer(
      "Every command takes --data-dir DIR (env MICROSCALE_DATA_DIR, default ./microscale-data),\n"
      "or, for controllers on etcd, --store etcd://... with the controllers' --cluster-name\n"
      "(and --etcd-prefix, --etcd-tls-* when they set them).\n"
      "Roles:\n  read    get, describe, events, version\n  admin   everything (apply, delete, "
      "demand set, cordon, drain)\n"
      "Examples:\n  microscale-controller token create --name ci --role read\n"
      "  microscale-controller token list --data-dir /var/lib/microscale\n"
      "  microscale-controller token revoke ci\n"
      "  microscale-controller token create --name ops --role admin \\\n"
      "      --store etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379 --cluster-name prod\n"
      "Exit codes:\n  0 success, 1 the command failed, 2 usage error\n");
  app.require_subcommand(1);
  std::function<int()> action;
  CLI::App* create = app.add_subcommand("create", "make a token and print its secret once");
  create->add_option("--name", args.name, "a DNS label naming the token, e.g. ci")->required();
  create->add_option("--role", args.role, "read | admin")->required();
  create->callback([&] { action = [&] { return Create(args, io); }; });
  CLI::App* list = app.add_subcommand("list", "show NAME ROLE CREATED (never the secret)");
  list->callback([&] { action = [&] { return List(args, io); }; });
  CLI::App* revoke = app.add_subcommand("revoke", "delete a token; calls with it are refused");
  revoke->add_option("NAME", args.name, "the token's name")->required();
  revoke->callback([&] { action = [&] { return Revoke(args, io); }; });
  for (CLI::App* sub : {create, list, revoke}) {
    AddEnvFlag(*sub, "data-dir", &args.data_dir, "the controller's data directory (SQLite)");
    AddEnvFlag(*sub, "store", &args.store,
               "sqlite (in --data-dir) or etcd://host:port[,host:port...], as the controller's");
    AddEtcdTargetFlags(*sub, &args.etcd);
  }
  if (argc < 2) return Usage(io, "", "a command is required: create, list or revoke");
  if (argc >= 2 && argv[1][0] != '-' && std::string_view(argv[1]) != "create" &&
      std::string_view(argv[1]) != "list" && std::string_view(argv[1]) != "revoke") {
    return Usage(io, "",
                 absl::StrCat("unknown command \"", argv[1], "\" (create, list or revoke)"));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    const CLI::App* shown = &app;
    for (const CLI::App* sub : {create, list, revoke}) {
      if (sub->parsed()) shown = sub;
    }
    out << shown->help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return Usage(io, "", e.what());
  }
  if (args.store != "sqlite") {
    absl::StatusOr<std::vector<std::string>> endpoints = ParseEtcdUrl(args.store);
    if (!endpoints.ok()) {
      return Usage(io, "--store",
                   absl::StrCat("\"", args.store,
                                "\" is not sqlite or an etcd URL: ", endpoints.status().message()));
    }
    args.etcd_endpoints = *std::move(endpoints);
    if (std::optional<EtcdTargetProblem> problem =
            ResolveEtcdTarget(args.etcd, &args.etcd_prefix)) {
      return Usage(io, problem->flag, problem->why);
    }
  } else if (args.etcd.tls.enabled()) {
    return Usage(io, "--etcd-tls-*", "only mean something with --store etcd://...");
  } else if (args.data_dir.empty()) {
    return Usage(io, "--data-dir", "must not be empty");
  }
  return action ? action() : kExitUsage;
}

}  // namespace microscale
