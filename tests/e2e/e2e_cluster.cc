#include "tests/e2e/e2e_cluster.h"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/e2e/built_programs.h"
#include "tests/integration/docker/docker_test_env.h"

namespace microscale::testing {
namespace {

// Whether this controller build has --insecure (needed to serve gRPC off loopback
// without TLS once it exists).
bool ControllerKnowsInsecure() {
  static const bool knows = RunCommand(BuiltProgram("controller/microscale-controller"), {"--help"})
                                .out.find("--insecure") != std::string::npos;
  return knows;
}

std::string Tail(const std::string& text, size_t n = 3000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

std::string StaticApp(const std::string& name, int priority, int min, int max, double value,
                      bool preemptible, const std::string& cpu) {
  return absl::StrCat("apiVersion: microscale.io/v1\nkind: App\nmetadata:\n  name: ", name,
                      "\nspec:\n  priority: ", priority,
                      "\n  image: microscale/demo:latest\n"
                      "  command: [\"/bin/sh\", \"-c\", \"while true; do sleep 1; done\"]\n"
                      "  stopTimeoutSeconds: 1\n"
                      "  resources: {cpu: ",
                      cpu, ", memory: 16Mi}\n  replicas: {min: ", min, ", max: ", max,
                      "}\n  preemptible: ", preemptible ? "true" : "false",
                      "\n  demand:\n    source: static\n    value: ", value, "\n");
}

E2eCluster::E2eCluster(const std::string& suffix, E2eOptions options)
    : options_(std::move(options)) {
  DockerTestEnv& env = DockerTestEnv::Get();
  absl::Status prepared = env.Prepare();
  EXPECT_TRUE(prepared.ok()) << prepared;
  env.SweepAtExit();
  cluster_ = env.Cluster(suffix);
  if (!options_.docker_socket.empty()) {
    docker::DockerClientOptions docker_options;
    docker_options.socket_path = options_.docker_socket;
    own_docker_ = std::make_unique<docker::DockerClient>(docker_options);
  }
  char templ[] = "/tmp/microscale-e2e.XXXXXX";
  dir_ = mkdtemp(templ);
  EXPECT_TRUE(options_.controllers == 1 || options_.store.starts_with("etcd://"))
      << "several controllers share an etcd store, never SQLite";
  controllers_.resize(static_cast<size_t>(options_.controllers));
  for (int i = 0; i < options_.controllers; ++i) grpc_ports_.push_back(FreePort());
  for (int i = 0; i < options_.controllers; ++i) StartController(i);
  agents_.resize(static_cast<size_t>(options_.agents));
  for (int i = 0; i < options_.agents; ++i) StartAgent(i);
  WaitNodesReady(options_.agents);
}

E2eCluster::~E2eCluster() {
  for (ChildProcess& agent : agents_) agent.Kill();
  for (ChildProcess& controller : controllers_) controller.Kill();
  if (own_docker_ != nullptr) {
    for (const auto& c : DockerContainers()) (void)own_docker_->RemoveContainer(c.id, true);
  }
  DockerTestEnv::Get().Sweep();
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- logs of cluster " << cluster_ << " ----\n" << Logs();
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void E2eCluster::StartController(int i) {
  // The first controller keeps the names of the single-controller cluster.
  const std::string suffix = i == 0 ? "" : absl::StrCat("-", i + 1);
  const int http_port = i == 0 ? options_.controller_http_port : 0;
  std::vector<std::string> args = {
      "--grpc-addr",    absl::StrCat(options_.grpc_bind, ":", grpc_port(i)),
      "--http-addr",    absl::StrCat("127.0.0.1:", http_port),
      "--data-dir",     dir_ + "/data" + suffix,
      "--cluster-name", cluster_};
  std::string store = options_.store;
  if (static_cast<size_t>(i) < options_.controller_stores.size() &&
      !options_.controller_stores[static_cast<size_t>(i)].empty()) {
    store = options_.controller_stores[static_cast<size_t>(i)];
  }
  if (!store.empty()) {
    args.insert(args.end(), {"--store", store, "--advertise-addr", controller_address(i)});
  }
  args.insert(args.end(), options_.controller_flags.begin(), options_.controller_flags.end());
  if (options_.grpc_bind != "127.0.0.1" && ControllerKnowsInsecure()) args.push_back("--insecure");
  controller(i) = ChildProcess(BuiltProgram("controller/microscale-controller"), args,
                               dir_ + "/controller" + suffix + ".log");
}

void E2eCluster::KillController(int i) { controller(i).Kill(); }

int E2eCluster::TerminateController(int i) { return controller(i).Terminate(60'000); }

std::string E2eCluster::controller_address(int i) const {
  return absl::StrCat("127.0.0.1:", grpc_port(i));
}

std::string E2eCluster::ControllerList(const std::string& host) const {
  std::vector<std::string> addresses;
  for (int port : grpc_ports_) addresses.push_back(absl::StrCat(host, ":", port));
  return absl::StrJoin(addresses, ",");
}

void E2eCluster::StartAgent(int i) {
  AgentLaunch launch;
  if (auto it = options_.agent_launch.find(i); it != options_.agent_launch.end()) {
    launch = it->second;
  }
  const std::string host = launch.controller_host.empty() ? "127.0.0.1" : launch.controller_host;
  std::vector<std::string> args = {"--controller", ControllerList(host)};
  args.insert(args.end(), {"--node-name", node(i), "--cluster-name", cluster_, "--http-addr",
                           "127.0.0.1:0", "--cpu", options_.agent_cpu, "--memory",
                           options_.agent_memory, "--heartbeat-interval", "1s"});
  if (!options_.docker_socket.empty()) {
    args.insert(args.end(), {"--docker-host", "unix://" + options_.docker_socket});
  }
  args.insert(args.end(), options_.agent_flags.begin(), options_.agent_flags.end());
  args.insert(args.end(), launch.flags.begin(), launch.flags.end());
  std::string binary = BuiltProgram("node-agent/agent/microscale-agent");
  if (!launch.prefix.empty()) {
    args.insert(args.begin(), binary);
    args.insert(args.begin(), launch.prefix.begin() + 1, launch.prefix.end());
    binary = launch.prefix.front();
  }
  agents_[static_cast<size_t>(i)] =
      ChildProcess(binary, args, absl::StrCat(dir_, "/agent-", i + 1, ".log"));
}

void E2eCluster::KillAgent(int i) { agents_[static_cast<size_t>(i)].Kill(); }

int E2eCluster::TerminateAgent(int i) { return agents_[static_cast<size_t>(i)].Terminate(60'000); }

CommandResult E2eCluster::Cli(std::vector<std::string> args, const std::string& input) {
  args.insert(args.begin(), {"--controller", ControllerList("127.0.0.1")});
  return RunCommand(BuiltProgram("cli/microscalectl"), args, input);
}

nlohmann::json E2eCluster::Json(std::vector<std::string> args) {
  args.push_back("-o");
  args.push_back("json");
  CommandResult r = Cli(args);
  if (r.exit_code != 0) return nullptr;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

std::string E2eCluster::App(const std::string& base) const {
  return DockerTestEnv::Get().App(base);
}

int E2eCluster::Status(const std::string& app, const std::string& field) {
  nlohmann::json list = Json({"get", "apps"});
  if (!list.is_object() || !list["items"].is_array()) return -1;
  for (const nlohmann::json& item : list["items"]) {
    if (item["metadata"]["name"] == app) {
      const nlohmann::json& v = item["status"][field];
      return v.is_number() ? v.get<int>() : -1;
    }
  }
  return -1;
}

docker::DockerClient& E2eCluster::Docker() {
  return own_docker_ != nullptr ? *own_docker_ : DockerTestEnv::Get().client();
}

std::vector<docker::ContainerSummary> E2eCluster::DockerContainers() {
  auto list = Docker().ListContainers({{"io.microscale.cluster", cluster_}});
  return list.ok() ? *list : std::vector<docker::ContainerSummary>{};
}

absl::StatusOr<docker::ContainerDetails> E2eCluster::InspectContainer(const std::string& id) {
  return Docker().InspectContainer(id);
}

int E2eCluster::DockerRunning(const std::string& app) {
  int n = 0;
  for (const auto& c : DockerContainers()) {
    auto it = c.labels.find("io.microscale.app");
    if (it != c.labels.end() && it->second == app && c.state == "running") ++n;
  }
  return n;
}

std::vector<nlohmann::json> E2eCluster::ControllerContainers() {
  nlohmann::json list = Json({"get", "containers"});
  if (!list.is_object() || !list["items"].is_array()) return {};
  return list["items"].get<std::vector<nlohmann::json>>();
}

bool E2eCluster::Converged(const std::vector<std::string>& apps, std::string* why) {
  nlohmann::json list = Json({"get", "apps"});
  if (!list.is_object() || !list["items"].is_array()) {
    *why = "get apps failed";
    return false;
  }
  std::map<std::string, int> allocated;
  for (const nlohmann::json& item : list["items"]) {
    const nlohmann::json& status = item["status"];
    std::string name = item["metadata"]["name"];
    if (!status["allocated"].is_number() || status["running"] != status["allocated"]) {
      *why = absl::StrCat(name, ": running ", status["running"].dump(), " != allocated ",
                          status["allocated"].dump());
      return false;
    }
    allocated[name] = status["allocated"].get<int>();
  }
  std::map<std::string, int> known;  // instance -> times the controller lists it
  for (const nlohmann::json& c : ControllerContainers()) ++known[c["instance"].get<std::string>()];
  for (const auto& [instance, n] : known) {
    if (n > 1) {
      *why = absl::StrCat("the controller lists ", instance, " ", n, " times");
      return false;
    }
  }
  std::map<std::string, int> docker_running;  // app -> running containers
  std::map<std::string, int> per_instance;
  for (const docker::ContainerSummary& c : DockerContainers()) {
    auto label = [&c](const char* key) {
      auto it = c.labels.find(key);
      return it == c.labels.end() ? std::string() : it->second;
    };
    const std::string instance = label("io.microscale.instance");
    if (!known.contains(instance)) {
      *why = absl::StrCat("docker container ", instance, " (", c.state,
                          ") is unknown to the controller");
      return false;
    }
    if (c.state == "created") {
      *why = absl::StrCat("docker container ", instance, " is left created");
      return false;
    }
    if (++per_instance[instance] > 1) {
      *why = absl::StrCat("instance ", instance, " has two docker containers");
      return false;
    }
    if (c.state == "running") ++docker_running[label("io.microscale.app")];
  }
  for (const std::string& app : apps) {
    if (!allocated.contains(app)) {
      *why = app + " is not listed";
      return false;
    }
    if (docker_running[app] != allocated[app]) {
      *why =
          absl::StrCat(app, ": docker runs ", docker_running[app], ", allocated ", allocated[app]);
      return false;
    }
  }
  return true;
}

bool E2eCluster::WaitFor(const std::function<bool()>& condition, const std::string& what,
                         absl::Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "timed out after " << timeout << " waiting for: " << what;
  return false;
}

void E2eCluster::WaitNodesReady(int n) {
  WaitFor(
      [&] {
        nlohmann::json nodes = Json({"get", "nodes"});
        if (!nodes.is_object() || !nodes["items"].is_array()) return false;
        int ready = 0;
        for (const auto& item : nodes["items"]) {
          if (item["status"]["state"] == "Ready") ++ready;
        }
        return ready == n;
      },
      absl::StrCat(n, " nodes Ready"));
}

std::string E2eCluster::Logs() const {
  std::string out;
  for (size_t i = 0; i < controllers_.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : "\n", "== controller ", i + 1, "\n",
                    Tail(controllers_[i].Log()));
  }
  for (size_t i = 0; i < agents_.size(); ++i) {
    absl::StrAppend(&out, "\n== agent ", i + 1, "\n", Tail(agents_[i].Log()));
  }
  return out;
}

}  // namespace microscale::testing
