// E2eCluster: a real Microscale cluster for end-to-end tests: one microscale-controller
// (or several sharing an etcd store: a leader and standbys) and N microscale-agent
// processes on this host, driving the real dockerd, operated only through the
// microscalectl binary.
//
// Every cluster gets a unique cluster name, so its containers are told apart from anything
// else on the host; the destructor kills its processes and removes its containers even
// when the test failed. Waits poll a condition with a generous deadline; nothing sleeps
// for a fixed time. Thread-compatible: one test thread.
#ifndef MICROSCALE_TESTS_E2E_E2E_CLUSTER_H_
#define MICROSCALE_TESTS_E2E_E2E_CLUSTER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "node-agent/docker/docker_client.h"
#include "node-agent/docker/docker_json.h"
#include "tests/e2e/child_process.h"

namespace microscale::testing {

// How one agent is started when it differs from the others.
struct AgentLaunch {
  // A command the agent runs under, e.g. {"/usr/sbin/ip", "netns", "exec", "ns1"}.
  std::vector<std::string> prefix;
  // The host this agent dials its controllers at (<host>:<grpc port> of each); empty:
  // 127.0.0.1.
  std::string controller_host;
  std::vector<std::string> flags;  // extra flags for this agent only
};

struct E2eOptions {
  int agents = 2;
  std::string agent_cpu = "1";
  std::string agent_memory = "1Gi";
  std::vector<std::string> controller_flags = {"--node-timeout", "4s", "--startup-grace", "5s"};
  // The address the controller's gRPC port binds to; CLI and host agents dial 127.0.0.1.
  // A non-loopback bind adds --insecure when the controller knows that flag.
  std::string grpc_bind = "127.0.0.1";
  // The controller's HTTP port on 127.0.0.1 (/metrics, /sd/v1/endpoints...), for a test
  // that must know it before the controller starts; 0: any free port.
  int controller_http_port = 0;
  std::vector<std::string> agent_flags;     // extra flags for every agent
  std::map<int, AgentLaunch> agent_launch;  // per agent index
  // The Docker Engine the agents use, for DockerContainers() and the sweep; empty: the
  // system one.
  std::string docker_socket;
  // The controllers' --store: empty for SQLite in the data dir (one controller), or
  // "etcd://host:port,..." (the default prefix, /microscale/<cluster name>/, is unique to
  // the cluster).
  std::string store;
  // Controllers sharing `store` (more than one needs etcd): each has its own gRPC and
  // HTTP port and data dir, advertises its gRPC address, and agents and the CLI are given
  // all of them, in index order.
  int controllers = 1;
  // Controller i's --store when controller_stores[i] is set and not empty (e.g. one that
  // reaches only some etcd members); `store` otherwise.
  std::vector<std::string> controller_stores;
};

class E2eCluster {
 public:
  explicit E2eCluster(const std::string& suffix, E2eOptions options = {});
  ~E2eCluster();

  // Starts (or restarts) controller i on the same data dir and gRPC port.
  void StartController(int i = 0);
  void KillController(int i = 0);
  // SIGTERM, as an upgrade or `systemctl stop` does; the exit code (SIGKILL after 60 s:
  // 137). The daemons exit 1 when their orderly stop takes longer than 5 s.
  int TerminateController(int i = 0);
  bool ControllerRunning(int i = 0) const { return controller(i).running(); }
  ChildProcess& controller(int i) { return controllers_[static_cast<size_t>(i)]; }
  const ChildProcess& controller(int i) const { return controllers_[static_cast<size_t>(i)]; }
  int grpc_port(int i = 0) const { return grpc_ports_[static_cast<size_t>(i)]; }
  // Controller i's gRPC address as agents and the CLI dial it (127.0.0.1:<port>), which
  // is also the address it advertises.
  std::string controller_address(int i) const;
  // Starts (or restarts) agent i, named node-<i+1>.
  void StartAgent(int i);
  void KillAgent(int i);
  int TerminateAgent(int i);  // as TerminateController
  ChildProcess& agent(int i) { return agents_[static_cast<size_t>(i)]; }
  std::string node(int i) const { return "node-" + std::to_string(i + 1); }

  CommandResult Cli(std::vector<std::string> args, const std::string& input = "");
  // Runs `args -o json` and returns the parsed output; a failure is a test failure (null).
  nlohmann::json Json(std::vector<std::string> args);

  // An app name unique to this test run.
  std::string App(const std::string& base) const;
  std::string cluster() const { return cluster_; }

  // The app's status field (running, allocated, desired...), -1 when unknown.
  int Status(const std::string& app, const std::string& field);
  // Containers of this cluster that the Docker Engine has (any state).
  std::vector<docker::ContainerSummary> DockerContainers();
  // What the Docker Engine says of one container (its start time, restart count...).
  absl::StatusOr<docker::ContainerDetails> InspectContainer(const std::string& id);
  // Running Docker containers of `app` (by label).
  int DockerRunning(const std::string& app);
  // The containers the controller knows (`get containers -o json` items), empty on error.
  std::vector<nlohmann::json> ControllerContainers();
  // Every app of the cluster settled: for each app, the controller's running count equals
  // its allocation, Docker runs exactly that many of it, every Docker container of the
  // cluster is known to the controller by instance, none is left created, no instance runs
  // twice. `why` receives what does not hold yet.
  bool Converged(const std::vector<std::string>& apps, std::string* why);

  // Polls `condition` every 200 ms until it holds or `timeout` passes; on timeout the test
  // fails with `what` and the tail of every process log.
  bool WaitFor(const std::function<bool()>& condition, const std::string& what,
               absl::Duration timeout = absl::Seconds(60));
  void WaitNodesReady(int n);
  std::string Logs() const;

 private:
  docker::DockerClient& Docker();
  // Every controller's gRPC address at `host`, comma-separated, as --controller takes it.
  std::string ControllerList(const std::string& host) const;

  E2eOptions options_;
  std::unique_ptr<docker::DockerClient> own_docker_;  // when options_.docker_socket is set
  std::string cluster_;
  std::string dir_;
  std::vector<int> grpc_ports_;  // per controller
  std::vector<ChildProcess> controllers_;
  std::vector<ChildProcess> agents_;
};

// A minimal App manifest with a static demand source.
std::string StaticApp(const std::string& name, int priority, int min, int max, double value,
                      bool preemptible = true, const std::string& cpu = "250m");

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_E2E_E2E_CLUSTER_H_
