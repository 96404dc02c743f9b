#include "tests/e2e/private_dockerd.h"

#include <stdlib.h>
#include <sys/mount.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace microscale::testing {
namespace {

constexpr char kDockerd[] = "/usr/sbin/dockerd";

}  // namespace

PrivateDockerd::PrivateDockerd() {
  char templ[] = "/tmp/microscale-dockerd.XXXXXX";
  const char* made = mkdtemp(templ);
  dir_ = made != nullptr ? made : "";
  socket_ = dir_ + "/docker.sock";
}

PrivateDockerd::~PrivateDockerd() {
  Stop();
  if (dir_.empty()) return;
  UnmountAll();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status PrivateDockerd::Start() {
  if (dir_.empty()) return absl::InternalError("no scratch directory for dockerd");
  if (!ns_.ok()) return ns_.status();
  // nsenter joins the network namespace only; `ip netns exec` would also remount /sys,
  // hiding the cgroup mounts dockerd needs.
  std::vector<std::string> argv = {"/usr/bin/nsenter", "--net=/run/netns/" + ns_.name()};
  argv.insert(argv.end(), {kDockerd, "--host", "unix://" + socket_, "--data-root", dir_ + "/root",
                           "--exec-root", dir_ + "/exec", "--pidfile", dir_ + "/docker.pid",
                           "--bridge", "none", "--iptables=false", "--ip-masq=false"});
  const std::string binary = argv.front();
  argv.erase(argv.begin());
  process_ = ChildProcess(binary, argv, dir_ + "/dockerd.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Answers()) return absl::OkStatus();
    if (!process_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::UnavailableError(
      absl::StrCat("dockerd on ", socket_, " did not answer; log:\n", process_.Log()));
}

void PrivateDockerd::Stop() { process_.Terminate(30000); }

bool PrivateDockerd::Answers() const {
  CommandResult r = RunCommand("/usr/bin/curl", {"-s", "--max-time", "2", "--unix-socket", socket_,
                                                 "http://localhost/_ping"});
  return r.exit_code == 0 && r.out == "OK";
}

absl::Status PrivateDockerd::LoadImage(const std::string& image) {
  const std::string script =
      absl::StrCat("docker save ", image, " | docker -H unix://", socket_, " load");
  setenv("DOCKER_API_VERSION", "1.41", 1);
  CommandResult r = RunCommand("/bin/sh", {"-c", script});
  if (r.exit_code == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("loading ", image, " failed: ", r.err));
}

// dockerd normally unmounts its overlays on exit; after a SIGKILL some stay mounted, and
// the directory cannot be removed until they are gone. Deepest mounts go first.
void PrivateDockerd::UnmountAll() const {
  std::ifstream mounts("/proc/self/mounts");
  std::vector<std::string> points;
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string device, point;
    fields >> device >> point;
    if (absl::StartsWith(point, dir_ + "/")) points.push_back(point);
  }
  std::sort(points.begin(), points.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& point : points) umount2(point.c_str(), MNT_DETACH);
}

}  // namespace microscale::testing
