// DockerTestEnv: what every test against the real Docker Engine needs.
//
// Prepare() makes sure dockerd answers (tests/support/ensure-dockerd) and the local test
// image exists (tests/support/images/build-test-image). Each process gets a unique run id;
// clusters named after it (Cluster("x")) keep its containers apart from anything else on
// the host. Sweep() force-removes every container of this run: those carrying one of its
// cluster labels and those carrying its io.microscale.it-run label (for containers a test
// creates outside Microscale). Prepare() also removes what earlier runs whose process has
// died left behind. Use ScopedSweep in fixtures so containers go even when a test fails,
// and SweepAtExit() so they go when the test program ends (a gtest listener).
// FreeLoopbackPorts() and HttpGetWhenUp() serve tests of published ports; Exec() runs a
// command in a container (docker exec).
// Thread-safety: Cluster() and Sweep() may be called from any thread.
#ifndef MICROSCALE_TESTS_INTEGRATION_DOCKER_DOCKER_TEST_ENV_H_
#define MICROSCALE_TESTS_INTEGRATION_DOCKER_DOCKER_TEST_ENV_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node-agent/docker/docker_client.h"

namespace microscale::testing {

inline constexpr char kTestImage[] = "microscale/demo:latest";
inline constexpr char kRunLabel[] = "io.microscale.it-run";

// A command for the test image: a web server on `port` (busybox httpd serving the image's
// own files, e.g. GET /bin/idle) that exits at once on SIGTERM.
std::vector<std::string> HttpServerCommand(int port);
// The first of `count` consecutive ports that nothing on 127.0.0.1 uses now, searched from
// a start that depends on the process, so test programs side by side seldom share ports.
int FreeLoopbackPorts(int count);
// GETs http://127.0.0.1:`port``path` until it answers 200 or `timeout` passes; the body,
// or the last failure.
absl::StatusOr<std::string> HttpGetWhenUp(int port, const std::string& path,
                                          absl::Duration timeout = absl::Seconds(30));

class DockerTestEnv {
 public:
  static DockerTestEnv& Get();

  // Starts dockerd if needed, builds the test image, sweeps dead runs. Idempotent.
  absl::Status Prepare();

  const std::string& run_id() const { return run_id_; }
  // A cluster name unique to this process: "<run id>-<suffix>".
  std::string Cluster(const std::string& suffix) const;
  // An app name unique to this process ("<base>-<run token>"): container names are global
  // on a host, so instance ids built from it never collide with another test run's.
  std::string App(const std::string& base) const;
  // Runs `argv` in the running container `id` (docker exec) and waits, up to `timeout`, for
  // it to end; its exit code, or why it could not run.
  absl::StatusOr<int> Exec(const std::string& id, const std::vector<std::string>& argv,
                           absl::Duration timeout = absl::Seconds(30));

  // Removes every container of this run; returns how many it removed.
  int Sweep();
  // Registers a Sweep() for the end of the test program (once), run while every static
  // object is still alive.
  void SweepAtExit();

  docker::DockerClient& client() { return client_; }

 private:
  DockerTestEnv();
  void SweepDeadRuns();
  // Force-removes the containers listed by `filter` for which `match` holds.
  int RemoveMatching(const docker::LabelMap& filter,
                     const std::function<bool(const docker::ContainerSummary&)>& match);

  std::string run_id_;
  docker::DockerClient client_;
};

// Sweeps this run's containers when it goes out of scope (use as a fixture member).
class ScopedSweep {
 public:
  ScopedSweep() = default;
  ~ScopedSweep() { DockerTestEnv::Get().Sweep(); }
  ScopedSweep(const ScopedSweep&) = delete;
  ScopedSweep& operator=(const ScopedSweep&) = delete;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_TESTS_INTEGRATION_DOCKER_DOCKER_TEST_ENV_H_
