#include "tests/integration/docker/docker_test_env.h"

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "node-agent/docker/container_mapping.h"
#include "node-agent/docker/docker_transport.h"
#include "node-agent/docker/host_port_probe.h"

#ifndef MICROSCALE_SOURCE_DIR
#error "MICROSCALE_SOURCE_DIR must name the repository root"
#endif

namespace microscale::testing {
namespace {

constexpr char kRunPrefix[] = "itd-";

// "itd-<pid>-..." names a run of process <pid>; true when that process is gone.
bool IsDeadRun(const std::string& name) {
  if (!absl::StartsWith(name, kRunPrefix)) return false;
  std::vector<std::string> parts = absl::StrSplit(name, '-');
  int pid = 0;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &pid) || pid <= 0) return false;
  return kill(pid, 0) != 0 && errno == ESRCH;
}

std::string LabelOf(const docker::ContainerSummary& c, const char* key) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? "" : it->second;
}

// A reply of the engine as JSON, when it came with status `expected`.
absl::StatusOr<nlohmann::json> JsonReply(const absl::StatusOr<docker::HttpReply>& reply,
                                         int expected, const std::string& what) {
  if (!reply.ok()) return reply.status();
  if (reply->status != expected) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": HTTP ", reply->status, ": ", docker::ErrorMessage(reply->body)));
  }
  nlohmann::json j = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InternalError(absl::StrCat(what, ": not a JSON object"));
  return j;
}

absl::Status RunScript(const std::string& relative) {
  std::string command = absl::StrCat(MICROSCALE_SOURCE_DIR, "/", relative);
  int rc = std::system(command.c_str());
  if (rc != 0) return absl::FailedPreconditionError(absl::StrCat(command, " failed (", rc, ")"));
  return absl::OkStatus();
}

}  // namespace

DockerTestEnv& DockerTestEnv::Get() {
  static DockerTestEnv* const env = new DockerTestEnv();
  return *env;
}

DockerTestEnv::DockerTestEnv() : client_(docker::DockerClientOptions{}) {
  std::random_device rd;
  run_id_ = absl::StrCat(kRunPrefix, getpid(), "-", absl::Hex(rd() & 0xffff));
}

absl::Status DockerTestEnv::Prepare() {
  static std::once_flag once;
  static absl::Status* result = new absl::Status();
  std::call_once(once, [this] {
    *result = RunScript("tests/support/ensure-dockerd");
    if (result->ok()) *result = RunScript("tests/support/images/build-test-image");
    if (result->ok()) *result = client_.Ping();
    if (result->ok()) SweepDeadRuns();
  });
  return *result;
}

std::string DockerTestEnv::Cluster(const std::string& suffix) const {
  return absl::StrCat(run_id_, "-", suffix);
}

std::string DockerTestEnv::App(const std::string& base) const {
  return absl::StrCat(base, "-", run_id_.substr(sizeof(kRunPrefix) - 1));
}

absl::StatusOr<int> DockerTestEnv::Exec(const std::string& id, const std::vector<std::string>& argv,
                                        absl::Duration timeout) {
  docker::DockerTransport transport(client_.options().socket_path);
  const nlohmann::json create = {{"Cmd", argv}, {"AttachStdout", false}, {"AttachStderr", false}};
  absl::StatusOr<nlohmann::json> created =
      JsonReply(transport.Send(docker::HttpMethod::kPost, absl::StrCat("/containers/", id, "/exec"),
                               create.dump(), absl::Seconds(10)),
                201, "exec create");
  if (!created.ok()) return created.status();
  const std::string exec_id = created->value("Id", "");
  absl::StatusOr<docker::HttpReply> started =
      transport.Send(docker::HttpMethod::kPost, absl::StrCat("/exec/", exec_id, "/start"),
                     R"({"Detach": true})", absl::Seconds(10));
  if (!started.ok()) return started.status();
  if (started->status != 200) {
    return absl::FailedPreconditionError(absl::StrCat("exec start: HTTP ", started->status));
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    absl::StatusOr<nlohmann::json> state =
        JsonReply(transport.Send(docker::HttpMethod::kGet, absl::StrCat("/exec/", exec_id, "/json"),
                                 "", absl::Seconds(10)),
                  200, "exec inspect");
    if (!state.ok()) return state.status();
    if (!state->value("Running", true)) return state->value("ExitCode", -1);
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("exec in ", id, " still running"));
}

int DockerTestEnv::RemoveMatching(
    const docker::LabelMap& filter,
    const std::function<bool(const docker::ContainerSummary&)>& match) {
  absl::StatusOr<std::vector<docker::ContainerSummary>> list = client_.ListContainers(filter);
  if (!list.ok()) return 0;
  int removed = 0;
  for (const docker::ContainerSummary& c : *list) {
    if (match(c) && client_.RemoveContainer(c.id, /*force=*/true).ok()) ++removed;
  }
  return removed;
}

int DockerTestEnv::Sweep() {
  std::string prefix = absl::StrCat(run_id_, "-");
  int removed = RemoveMatching({{docker::kLabelCluster, ""}}, [&](const auto& c) {
    return absl::StartsWith(LabelOf(c, docker::kLabelCluster), prefix);
  });
  removed += RemoveMatching({{kRunLabel, run_id_}}, [](const auto&) { return true; });
  return removed;
}

void DockerTestEnv::SweepDeadRuns() {
  RemoveMatching({{docker::kLabelCluster, ""}},
                 [](const auto& c) { return IsDeadRun(LabelOf(c, docker::kLabelCluster)); });
  RemoveMatching({{kRunLabel, ""}}, [](const auto& c) { return IsDeadRun(LabelOf(c, kRunLabel)); });
}

namespace {

// Sweeps when the test program ends, while every static object is still alive. (An
// std::atexit handler ran after cpp-httplib's statics were destroyed, and crashed at exit
// in Release builds.)
class SweepAtProgramEnd final : public ::testing::EmptyTestEventListener {
 public:
  void OnTestProgramEnd(const ::testing::UnitTest&) override { DockerTestEnv::Get().Sweep(); }
};

}  // namespace

void DockerTestEnv::SweepAtExit() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Owned by gtest from here on.
    ::testing::UnitTest::GetInstance()->listeners().Append(new SweepAtProgramEnd);
  });
}

std::vector<std::string> HttpServerCommand(int port) {
  return {"/bin/sh", "-c",
          absl::StrCat("trap 'exit 0' TERM INT; httpd -f -p ", port, " -h / & wait $!")};
}

int FreeLoopbackPorts(int count) {
  constexpr int kFirst = 39000;
  constexpr int kSpan = 2000;
  const int offset = (getpid() * 37) % kSpan;
  for (int tried = 0; tried < kSpan; ++tried) {
    const int first = kFirst + (offset + tried) % (kSpan - count);
    bool all_free = true;
    for (int port = first; port < first + count && all_free; ++port) {
      all_free = docker::HostPortFree("127.0.0.1", port);
    }
    if (all_free) return first;
  }
  return kFirst;
}

absl::StatusOr<std::string> HttpGetWhenUp(int port, const std::string& path,
                                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last = "never tried";
  while (absl::Now() < deadline) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(1);
    client.set_read_timeout(2);
    httplib::Result result = client.Get(path);
    if (result && result->status == 200) return result->body;
    last = result ? absl::StrCat("status ", result->status) : httplib::to_string(result.error());
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("GET 127.0.0.1:", port, path, " did not answer 200: ", last));
}

}  // namespace microscale::testing
