#include "cli/run.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "common/edit_distance.h"
#include "common/quantity.h"
#include "common/tls/tls_credentials.h"

namespace microscale::cli {
namespace {

using Action = std::function<int(CommandContext&)>;

// Values as typed; the validators below check them during parsing.
struct Args {
  std::string output = "table";
  std::string timeout = "10s";
  std::string wait_timeout = "120s";
  ApplyOptions apply;
  std::string name;
  std::string app;
  std::string node;
  std::string value;
  bool follow = false;
  bool watch = false;
  bool text_only = false;  // the command prints text only (describe): -o json|yaml is refused
  SimulateOptions simulate;
  std::string sim_output, step = "1s", start_delay = "300ms", stop_delay = "0s",
                          unpause_delay = "30ms", duration, drain_rate, placement = "spread";
};

// Accepts a duration like "10s" or "1m30s" that is greater than zero.
const CLI::Validator& PositiveDuration() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        absl::StatusOr<absl::Duration> duration = ParseDuration(text);
        if (!duration.ok()) return std::string(duration.status().message());
        if (*duration <= absl::ZeroDuration()) return "must be greater than zero";
        return "";
      },
      "DURATION");
  return validator;
}

// Accepts a duration like "300ms" or "0s" (zero allowed).
const CLI::Validator& NonNegativeDuration() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        absl::StatusOr<absl::Duration> duration = ParseDuration(text);
        return duration.ok() ? "" : std::string(duration.status().message());
      },
      "DURATION");
  return validator;
}

// Accepts a finite number > 0.
const CLI::Validator& PositiveNumber() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        double value = 0;
        const bool decimal =
            !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos;
        if (!decimal || !absl::SimpleAtod(text, &value) || !std::isfinite(value) || value <= 0) {
          return absl::StrCat("\"", text, "\" is not a number > 0");
        }
        return "";
      },
      "NUMBER");
  return validator;
}

// Accepts a finite number >= 0 ("12", "0.5", "1e3").
const CLI::Validator& NonNegativeNumber() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        double value = 0;
        const bool decimal =
            !text.empty() && text.find_first_not_of("0123456789.eE+-") == std::string::npos;
        if (!decimal || !absl::SimpleAtod(text, &value) || !std::isfinite(value) || value < 0) {
          return absl::StrCat("\"", text, "\" is not a non-negative number");
        }
        return "";
      },
      "NUMBER");
  return validator;
}

// Accepts a gRPC target: "host:port", or one with a scheme ("unix:///path", "dns:///...").
// A bare host is refused: it names no port, and the dial would only fail later with
// "cannot reach".
const CLI::Validator& NonEmptyAddress() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        if (text.empty()) return "must not be empty (e.g. 127.0.0.1:7400)";
        // One address, or several separated by commas (controllers sharing a state store).
        for (absl::string_view one : absl::StrSplit(text, ',')) {
          if (one.empty()) return absl::StrCat("an address in \"", text, "\" is empty");
          const bool has_scheme = absl::StrContains(one, ":/") || absl::StartsWith(one, "unix:") ||
                                  absl::StartsWith(one, "unix-abstract:");
          if (!has_scheme && !absl::StrContains(one, ':')) {
            return absl::StrCat("\"", one, "\" has no port: give HOST:PORT (e.g. ", one, ":7400)");
          }
        }
        return "";
      },
      "ADDR");
  return validator;
}

// A bearer token as printed by `microscale-controller token create`: no spaces or control
// characters, which could not travel in a gRPC header.
const CLI::Validator& TokenText() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        for (char c : text) {
          if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
            return "must not contain spaces or control characters (copy the token exactly as "
                   "`microscale-controller token create` printed it)";
          }
        }
        return "";
      },
      "TOKEN");
  return validator;
}

absl::Duration DurationOf(const std::string& text) {
  return ParseDuration(text).value_or(absl::ZeroDuration());
}

double NumberOf(const std::string& text) {
  double value = 0;
  return absl::SimpleAtod(text, &value) ? value : 0;
}

CLI::App* AddCommand(CLI::App& parent, const std::string& name, const std::string& description,
                     const std::string& examples) {
  CLI::App* command = parent.add_subcommand(name, description);
  std::string footer =
      "Global options (before or after the command): --controller ADDR, "
      "-o table|wide|json|yaml, --timeout DURATION";
  if (!examples.empty()) footer = absl::StrCat("Examples:\n", examples, "\n\n", footer);
  command->footer(footer);
  return command;
}

void AddApply(CLI::App& app, Args& args, Action& action) {
  CLI::App* apply =
      AddCommand(app, "apply", "Create or update the apps of a manifest file (all or nothing)",
                 "  microscalectl apply -f apps.yaml\n"
                 "  microscalectl apply -f apps.yaml --dry-run\n"
                 "  cat apps.yaml | microscalectl apply -f - --wait --wait-timeout 5m");
  apply->add_option("-f,--filename", args.apply.file, "Manifest file, or - for standard input")
      ->required();
  apply->add_flag("--dry-run", args.apply.dry_run,
                  "Validate on the controller and show what would change, change nothing");
  apply->add_flag("--wait", args.apply.wait,
                  "Wait until every applied app runs as many containers as it wants");
  apply->add_option("--wait-timeout", args.wait_timeout, "How long --wait waits (default 120s)")
      ->check(PositiveDuration());
  apply->callback([&] {
    args.apply.wait_timeout = DurationOf(args.wait_timeout);
    action = [&](CommandContext& context) { return RunApply(context, args.apply); };
  });
}

void AddGetEndpoints(CLI::App& get, Args& args, Action& action) {
  CLI::App* endpoints =
      AddCommand(get, "endpoints", "List where clients reach the published ports of apps",
                 "  microscalectl get endpoints\n"
                 "  microscalectl get endpoints checkout-api -o wide\n"
                 "  microscalectl get endpoints checkout-api --watch -o json");
  endpoints->footer(absl::StrCat(
      "An endpoint is one published port of one running container of an app with spec.ports;\n"
      "ADDRESS:PORT is where clients reach it. READY is true while the container runs (and\n"
      "passes its app's healthCheck, if any) on a Ready node and is not being stopped or\n"
      "paused. Only ready endpoints are served to Prometheus (http_sd) at the controller's\n"
      "/sd/v1/endpoints.\n\n",
      endpoints->get_footer()));
  endpoints->alias("endpoint");
  endpoints->add_option("APP", args.app, "Show only the endpoints of this app");
  endpoints->add_flag("-w,--watch", args.watch,
                      "Print the whole list again each time it changes, until Ctrl-C");
  endpoints->callback([&] {
    action = [&](CommandContext& c) { return RunGetEndpoints(c, args.app, args.watch); };
  });
}

void AddGet(CLI::App& app, Args& args, Action& action) {
  CLI::App* get = AddCommand(app, "get", "List apps, nodes, containers, endpoints or controllers",
                             "  microscalectl get apps\n"
                             "  microscalectl get apps checkout-api -o yaml\n"
                             "  microscalectl get nodes -o wide\n"
                             "  microscalectl get containers --app checkout-api\n"
                             "  microscalectl get endpoints checkout-api --watch\n"
                             "  microscalectl get controllers");
  get->require_subcommand(1);
  CLI::App* apps = AddCommand(*get, "apps", "List apps with their demand and container counts",
                              "  microscalectl get apps\n  microscalectl get apps web -o json");
  apps->alias("app");  // kubectl's singular form
  apps->add_option("NAME", args.name, "Show only this app");
  apps->callback([&] { action = [&](CommandContext& c) { return RunGetApps(c, args.name); }; });
  CLI::App* nodes =
      AddCommand(*get, "nodes", "List nodes with their capacity and state",
                 "  microscalectl get nodes\n  microscalectl get nodes node-1 -o json");
  nodes->alias("node");
  nodes->add_option("NAME", args.name, "Show only this node");
  nodes->callback([&] { action = [&](CommandContext& c) { return RunGetNodes(c, args.name); }; });
  CLI::App* containers = AddCommand(
      *get, "containers", "List managed containers",
      "  microscalectl get containers\n  microscalectl get containers --app web --node node-1");
  containers->alias("container");
  containers->add_option("NAME", args.name, "Show only the container of this instance");
  containers->add_option("--app", args.app, "Only containers of this app");
  containers->add_option("--node", args.node, "Only containers on this node");
  containers->callback([&] {
    action = [&](CommandContext& c) { return RunGetContainers(c, args.app, args.node, args.name); };
  });
  AddGetEndpoints(*get, args, action);
  CLI::App* controllers = AddCommand(
      *get, "controllers", "List the controllers sharing the state store, and which one leads",
      "  microscalectl get controllers\n"
      "  microscalectl --controller a:7400,b:7400,c:7400 get controllers -o json");
  controllers->footer(absl::StrCat(
      "With --store etcd://, several controllers share one state: one leads (it scales and\n"
      "takes changes), the others stand by and answer reads. SINCE is how long each has had\n"
      "its role. A controller on SQLite is alone, and leads.\n\n",
      controllers->get_footer()));
  controllers->alias("controller");
  controllers->callback([&] { action = [](CommandContext& c) { return RunGetControllers(c); }; });
}

void AddAppCommands(CLI::App& app, Args& args, Action& action) {
  CLI::App* describe = AddCommand(app, "describe", "Show the details of an app",
                                  "  microscalectl describe app checkout-api");
  describe->require_subcommand(1);
  CLI::App* describe_app =
      AddCommand(*describe, "app", "Spec, status, conditions, containers and recent events",
                 "  microscalectl describe app checkout-api");
  describe_app->add_option("NAME", args.name, "The app")->required();
  describe_app->callback([&] {
    args.text_only = true;
    action = [&](CommandContext& c) { return RunDescribeApp(c, args.name); };
  });

  CLI::App* del = AddCommand(app, "delete", "Delete an app, or forget a node that is gone",
                             "  microscalectl delete app web\n  microscalectl delete node node-3");
  del->require_subcommand(1);
  CLI::App* delete_app =
      AddCommand(*del, "app", "Forget the app; the next pass stops its containers",
                 "  microscalectl delete app web");
  delete_app->add_option("NAME", args.name, "The app")->required();
  delete_app->callback(
      [&] { action = [&](CommandContext& c) { return RunDeleteApp(c, args.name); }; });
  CLI::App* delete_node = AddCommand(
      *del, "node",
      "Forget a NotReady node: its record, its cordon and drain marks, and the instances "
      "held for it (a Ready node is refused)",
      "  microscalectl delete node node-3");
  delete_node->add_option("NAME", args.name, "The node")->required();
  delete_node->callback(
      [&] { action = [&](CommandContext& c) { return RunDeleteNode(c, args.name); }; });

  CLI::App* demand = AddCommand(app, "demand", "Change the demand of an app",
                                "  microscalectl demand set checkout-api 42");
  demand->require_subcommand(1);
  CLI::App* set = AddCommand(
      *demand, "set", "Set the demand of an app whose source is static (applies at once)",
      "  microscalectl demand set checkout-api 42\n  microscalectl demand set worker 0");
  set->add_option("APP", args.app, "The app")->required();
  set->add_option("VALUE", args.value, "The demand, a number >= 0")
      ->required()
      ->check(NonNegativeNumber());
  set->callback([&] {
    action = [&](CommandContext& c) { return RunSetDemand(c, args.app, NumberOf(args.value)); };
  });
}

void AddNodeCommand(CLI::App& app, Args& args, Action& action, const std::string& name,
                    const std::string& description, NodeAction node_action) {
  CLI::App* command =
      AddCommand(app, name, description, absl::StrCat("  microscalectl ", name, " node-1"));
  command->add_option("NODE", args.node, "The node")->required();
  command->callback([&action, &args, node_action] {
    action = [&args, node_action](CommandContext& c) {
      return RunNodeAction(c, args.node, node_action);
    };
  });
}

void AddOtherCommands(CLI::App& app, Args& args, Action& action) {
  AddNodeCommand(app, args, action, "cordon", "Mark a node unschedulable (containers stay)",
                 NodeAction::kCordon);
  AddNodeCommand(app, args, action, "uncordon", "Mark a node schedulable again",
                 NodeAction::kUncordon);
  AddNodeCommand(app, args, action, "drain", "Cordon a node and move its containers to other nodes",
                 NodeAction::kDrain);
  CLI::App* events = AddCommand(app, "events", "Show recent events",
                                "  microscalectl events\n  microscalectl events --follow");
  events->add_flag("-f,--follow", args.follow, "Keep printing new events until Ctrl-C");
  events->callback([&] { action = [&](CommandContext& c) { return RunEvents(c, args.follow); }; });
  CLI::App* version =
      AddCommand(app, "version", "Show the client and server versions", "  microscalectl version");
  version->callback([&] { action = [](CommandContext& c) { return RunVersion(c); }; });
}

void AddSimulate(CLI::App& app, Args& args, Action& action) {
  CLI::App* sim = app.add_subcommand(
      "simulate",
      "Run the decision core offline over a demand trace (what-if; no controller needed)");
  sim->footer(
      "Examples:\n"
      "  microscalectl simulate --apps apps.yaml --nodes nodes.csv --demand trace.csv\n"
      "  microscalectl simulate --apps apps.yaml --nodes nodes.csv --demand trace.csv \\\n"
      "      --step 500ms --start-delay 1s -o csv --plot run.svg\n"
      "  microscalectl simulate --apps workers.yaml --nodes nodes.csv --demand arrivals.csv \\\n"
      "      --drain-rate 5 -o json\n\n"
      "Files:\n"
      "  --apps    App manifests, as `apply -f` takes them (several documents per file)\n"
      "  --nodes   CSV name,cpu,memory,maxContainers,labels (header optional), e.g.\n"
      "              node-1,4,8Gi,0,zone=a;disk=ssd\n"
      "  --demand  CSV with the header seconds,app,value (a level: the demand reading from that\n"
      "            time on) or seconds,app,arrivals (items/s into a simulated queue, with\n"
      "            --drain-rate), e.g.\n"
      "              seconds,app,value\n              0,checkout-api,5\n"
      "              30,checkout-api,40\n\n"
      "Prints per step and app: demand, desired, allocated, running, paused, preemptions\n"
      "and shortfall (demand not served over the step), then a summary per app.\n"
      "A bad line is refused as FILE:LINE: reason (exit 1). See docs/cli.md#simulate.");
  sim->add_option("--apps", args.simulate.apps_file, "App manifests (YAML)")->required();
  sim->add_option("--nodes", args.simulate.nodes_file,
                  "Nodes CSV: name,cpu,memory,maxContainers,labels")
      ->required();
  sim->add_option("--demand", args.simulate.demand_file,
                  "Demand trace CSV: seconds,app,value or seconds,app,arrivals")
      ->required();
  sim->add_option("--step", args.step, "Time between output rows (default 1s; at least 1ms)")
      ->check(PositiveDuration());
  sim->add_option("--start-delay", args.start_delay,
                  "Time a container takes to start (default 300ms)")
      ->check(NonNegativeDuration());
  sim->add_option("--stop-delay", args.stop_delay,
                  "Time a stopping container keeps its resources (default 0s)")
      ->check(NonNegativeDuration());
  sim->add_option("--unpause-delay", args.unpause_delay,
                  "Time a paused container takes to resume (default 30ms)")
      ->check(NonNegativeDuration());
  sim->add_option("--duration", args.duration,
                  "Simulated time (default: the last trace time + 60s, or less once quiet)")
      ->check(PositiveDuration());
  sim->add_option("--drain-rate", args.drain_rate,
                  "Arrivals trace only: items/s one running container drains")
      ->check(PositiveNumber());
  sim->add_option("--placement", args.placement, "spread (default) or binpack")
      ->check(CLI::IsMember({"spread", "binpack"}));
  sim->add_option("-o,--output", args.sim_output, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  sim->add_option("--plot", args.simulate.plot_file,
                  "Also write an SVG: demand and running over time, one panel per app");
  sim->callback([&] {
    SimulateOptions& o = args.simulate;
    o.output = args.sim_output.empty() ? args.output : args.sim_output;
    if (o.output != "table" && o.output != "csv" && o.output != "json") {
      throw CLI::ValidationError("--output", "simulate prints table, csv or json, not " + o.output);
    }
    o.engine.step = DurationOf(args.step);
    if (o.engine.step < absl::Milliseconds(1)) {
      throw CLI::ValidationError("--step", "must be at least 1ms");
    }
    o.engine.start_delay = DurationOf(args.start_delay);
    o.engine.stop_delay = DurationOf(args.stop_delay);
    o.engine.unpause_delay = DurationOf(args.unpause_delay);
    if (!args.duration.empty()) o.engine.duration = DurationOf(args.duration);
    o.drain_rate_given = !args.drain_rate.empty();
    o.engine.drain_rate = NumberOf(args.drain_rate);
    o.engine.placement = args.placement == "binpack" ? core::PlacementStrategy::kBinpack
                                                     : core::PlacementStrategy::kSpread;
    action = [&](CommandContext& c) { return RunSimulate(c, args.simulate); };
  });
}

void AddGlobalOptions(CLI::App& app, GlobalOptions& global, Args& args) {
  app.add_option("--controller", global.controller,
                 "Controller gRPC address (host:port), or several separated by commas: the "
                 "first that accepts a connection is used")
      ->envname("MICROSCALE_CONTROLLER")
      ->check(NonEmptyAddress())
      ->capture_default_str();
  app.add_option("-o,--output", args.output, "Output format: table, wide, json or yaml")
      ->check(CLI::IsMember({"table", "wide", "json", "yaml"}))
      ->capture_default_str();
  app.add_option("--timeout", args.timeout, "Deadline of each request, e.g. 10s or 1m")
      ->check(PositiveDuration())
      ->capture_default_str();
  app.add_option("--token", global.token,
                 "Bearer token for a controller that requires one (see `microscale-controller "
                 "token create`)")
      ->envname("MICROSCALE_TOKEN")
      ->check(TokenText());
  app.add_option("--tls-ca", global.tls.ca,
                 "PEM CA bundle that signed the controller's certificate (turns on TLS)")
      ->envname("MICROSCALE_TLS_CA");
  app.add_option("--tls-cert", global.tls.cert,
                 "PEM client certificate, for a controller that asks for one (with --tls-key)")
      ->envname("MICROSCALE_TLS_CERT");
  app.add_option("--tls-key", global.tls.key, "PEM private key of --tls-cert")
      ->envname("MICROSCALE_TLS_KEY");
  app.set_version_flag("--version", absl::StrCat("microscalectl ", ClientVersion()));
}

// The deepest command the parser reached ("get apps") and its path for the --help hint.
std::pair<const CLI::App*, std::string> DeepestCommand(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* current = &app;
  while (true) {
    auto selected = current->get_subcommands();
    if (selected.empty()) return {current, path};
    current = selected.front();
    absl::StrAppend(&path, " ", current->get_name());
  }
}

// The long option of `command` (or of the commands above it) closest to the unknown
// `word` ("--dryrun" -> "--dry-run"), or "" when none is within two edits.
std::string ClosestOption(const CLI::App& command, const std::string& word) {
  std::string best;
  size_t best_distance = 3;
  for (const CLI::App* c = &command; c != nullptr; c = c->get_parent()) {
    for (const CLI::Option* option : c->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        const std::string candidate = "--" + name;
        const size_t d = EditDistance(word, candidate);
        if (d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
    }
  }
  return best;
}

// What the user probably meant, for the habits kubectl users bring: "describe web",
// "apply apps.yaml", "--dryrun".
std::string Hint(const CLI::App& command, const std::string& path,
                 const std::vector<std::string>& extra) {
  if (extra.empty()) return "";
  const std::string& word = extra.front();
  const std::string short_path = path.substr(path.find(' ') + 1);  // without "microscalectl"
  if (absl::StartsWith(word, "--")) {
    std::string option = ClosestOption(command, word.substr(0, word.find('=')));
    return option.empty() ? "" : absl::StrCat("did you mean ", option, "?");
  }
  if (absl::StartsWith(word, "-")) return "";
  if (command.get_name() == "apply") {
    return absl::StrCat("did you mean \"apply -f ", word, "\"?");
  }
  if (command.get_require_subcommand_min() > 0 && !command.get_subcommands({}).empty()) {
    const CLI::App* first = command.get_subcommands({}).front();
    return absl::StrCat("did you mean \"", short_path, " ", first->get_name(), " ", word, "\"?");
  }
  return "";
}

int UsageError(const CLI::App& app, const CLI::ParseError& error, std::ostream& err) {
  auto [command, path] = DeepestCommand(app);
  std::string message = error.what();
  const std::vector<std::string> extra = app.remaining(true);
  // CLI11 reports a missing subcommand before an unknown word; the word says more.
  if (error.get_name() == "RequiredError" && !extra.empty() &&
      command->get_require_subcommand_min() > 0) {
    message = absl::StrCat("unknown command \"", extra.front(), "\" for \"", path, "\"");
  }
  const std::string hint = Hint(*command, path, extra);
  if (!hint.empty()) absl::StrAppend(&message, "; ", hint);
  err << "Error: " << message << "\nRun '" << path << " --help' for usage.\n";
  return kExitUsage;
}

// Parses and checks the command line into `global`, `args` and `action`. Returns the exit
// code to stop with (help, version, usage error), or nullopt when `action` should run.
std::optional<int> ParseCommandLine(int argc, const char* const* argv, const CliIo& io,
                                    GlobalOptions& global, Args& args, Action& action) {
  CLI::App app(
      "microscalectl drives a Microscale controller: apply app manifests, watch apps, nodes,\n"
      "containers and endpoints, set demand, cordon and drain nodes.",
      "microscalectl");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Environment:\n"
      "  MICROSCALE_CONTROLLER   default for --controller\n"
      "  MICROSCALE_TOKEN        default for --token\n"
      "  MICROSCALE_TLS_CA       default for --tls-ca\n"
      "  MICROSCALE_TLS_CERT     default for --tls-cert\n"
      "  MICROSCALE_TLS_KEY      default for --tls-key\n"
      "Exit codes:\n  0 success, 1 the request failed, 2 usage error\n"
      "Run 'microscalectl COMMAND --help' for the options and examples of a command.");
  AddGlobalOptions(app, global, args);
  AddApply(app, args, action);
  AddGet(app, args, action);
  AddAppCommands(app, args, action);
  AddOtherCommands(app, args, action);
  AddSimulate(app, args, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e, io.out, io.err);
    return UsageError(app, e, io.err);
  }
  if (!action) {
    io.err << "Error: a command is required\nRun 'microscalectl --help' for usage.\n";
    return kExitUsage;
  }
  if (absl::Status tls = CheckTlsFlags(global.tls, /*need_own_cert=*/false); !tls.ok()) {
    io.err << "Error: " << tls.message() << "\nRun 'microscalectl --help' for usage.\n";
    return kExitUsage;
  }
  global.output = ParseOutputFormat(args.output).value_or(OutputFormat::kTable);
  if (args.text_only && IsStructured(global.output)) {
    auto [command, path] = DeepestCommand(app);
    io.err << "Error: " << path << " prints text only; for JSON or YAML use \"microscalectl get "
           << "app " << args.name << " -o " << args.output << "\"\nRun '" << path
           << " --help' for usage.\n";
    return kExitUsage;
  }
  global.timeout = DurationOf(args.timeout);
  return std::nullopt;
}

}  // namespace

ParsedCommandLine ParseCliOnly(int argc, const char* const* argv, const CliIo& io) {
  ParsedCommandLine parsed;
  Args args;
  Action action;
  std::optional<int> exit_code = ParseCommandLine(argc, argv, io, parsed.global, args, action);
  parsed.runs_command = !exit_code.has_value();
  parsed.exit_code = exit_code.value_or(kExitOk);
  return parsed;
}

int RunCli(int argc, const char* const* argv, const CliIo& io) {
  GlobalOptions global;
  Args args;
  Action action;
  if (std::optional<int> exit_code = ParseCommandLine(argc, argv, io, global, args, action)) {
    return *exit_code;
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(global.tls);
  if (!credentials.ok()) {
    io.err << "Error: " << credentials.status().message()
           << "\nRun 'microscalectl --help' for usage.\n";
    return kExitUsage;
  }
  try {
    CommandContext context(io, global, *std::move(credentials));
    return action(context);
  } catch (const std::exception& e) {
    io.err << "Error: " << e.what() << '\n';
    return kExitFailed;
  }
}

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  const bool terminal = &out == &std::cout && isatty(STDOUT_FILENO) == 1;
  CliIo io{out, err, std::cin, terminal};
  return RunCli(argc, argv, io);
}

}  // namespace microscale::cli
