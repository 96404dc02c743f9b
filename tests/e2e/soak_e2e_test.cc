// Soak: three agents, four static apps whose demand changes at random, and kill -9 of a
// random agent or of the controller every 30-60 s, for MICROSCALE_SOAK_SECONDS (120 by
// default; bench/soak/soak.sh runs 600). The schedule comes from MICROSCALE_SOAK_SEED, so a
// failing run can be replayed (the timing of the processes still varies). Capacity is
// short on purpose (12 containers for up to 24 wanted), so preemption happens throughout.
// Afterwards every process is back and the cluster must settle (and stay settled for 5 s):
// each app runs exactly its allocation, every managed Docker container of the cluster is known to
// the controller, none is left created, no instance runs twice.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_cluster.h"

namespace microscale::testing {
namespace {

using Clock = std::chrono::steady_clock;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

struct SoakFigures {
  int demand_changes = 0;
  int agent_kills = 0;
  int controller_kills = 0;
};

// The processes the soak kills, and when each one killed is due back.
class Chaos {
 public:
  Chaos(E2eCluster& c, std::mt19937& rng) : c_(c), rng_(rng), back_at_(4) {}

  // Kills one process at random (3 agents or the controller) and schedules its restart
  // 0-8 s later: long enough, sometimes, for its node to time out.
  void KillOne(SoakFigures& figures) {
    const int target = Uniform(0, 3);
    if (back_at_[static_cast<size_t>(target)]) return;  // already down
    if (target == 3) {
      c_.KillController();
      ++figures.controller_kills;
    } else {
      c_.KillAgent(target);
      ++figures.agent_kills;
    }
    std::cerr << "soak: killed " << (target == 3 ? std::string("the controller") : c_.node(target))
              << "\n";
    back_at_[static_cast<size_t>(target)] = Clock::now() + std::chrono::seconds(Uniform(0, 8));
  }

  // Restarts the processes that are due (all of them when `all`).
  void RestartDue(bool all) {
    for (size_t i = 0; i < back_at_.size(); ++i) {
      if (!back_at_[i] || (!all && Clock::now() < *back_at_[i])) continue;
      if (i == 3) {
        c_.StartController();
      } else {
        c_.StartAgent(static_cast<int>(i));
      }
      back_at_[i].reset();
    }
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  E2eCluster& c_;
  std::mt19937& rng_;
  std::vector<std::optional<Clock::time_point>> back_at_;
};

TEST(SoakE2eTest, RandomDemandAndKillsSettleToTheAllocation) {
  const int seconds = EnvInt("MICROSCALE_SOAK_SECONDS", 120);
  const int seed = EnvInt("MICROSCALE_SOAK_SEED", 20261130);
  std::cerr << "soak: " << seconds << " s, seed " << seed << "\n";
  E2eOptions options;
  options.agents = 3;
  options.controller_flags = {"--node-timeout", "4s", "--startup-grace", "10s"};
  E2eCluster c("soak", options);
  // Four apps of up to 6 containers of 250m; the three nodes hold 12 in all.
  const std::vector<std::pair<std::string, int>> specs = {
      {"front", 1}, {"api", 3}, {"jobs", 3}, {"batch", 8}};
  std::vector<std::string> apps;
  std::string manifest;
  for (const auto& [base, priority] : specs) {
    apps.push_back(c.App(base));
    absl::StrAppend(&manifest, manifest.empty() ? "" : "---\n",
                    StaticApp(apps.back(), priority, 0, 6, 3));
  }
  CommandResult r = c.Cli({"apply", "-f", "-"}, manifest);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::mt19937 rng(static_cast<uint32_t>(seed));
  Chaos chaos(c, rng);
  SoakFigures figures;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::seconds(seconds);
  Clock::time_point next_kill = start + std::chrono::seconds(chaos.Uniform(30, 60));
  Clock::time_point next_demand = start;
  while (Clock::now() < end) {
    if (Clock::now() >= next_demand) {
      const std::string& app = apps[static_cast<size_t>(chaos.Uniform(0, 3))];
      // Fails while the controller is down; the soak goes on.
      if (c.Cli({"demand", "set", app, std::to_string(chaos.Uniform(0, 6))}).exit_code == 0) {
        ++figures.demand_changes;
      }
      next_demand = Clock::now() + std::chrono::seconds(chaos.Uniform(1, 5));
    }
    if (Clock::now() >= next_kill) {
      chaos.KillOne(figures);
      next_kill = Clock::now() + std::chrono::seconds(chaos.Uniform(30, 60));
    }
    chaos.RestartDue(/*all=*/false);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  chaos.RestartDue(/*all=*/true);
  const Clock::time_point settle_start = Clock::now();
  c.WaitNodesReady(3);
  // Settled: converged, and still so 5 s later at every check in between.
  std::string why;
  std::optional<Clock::time_point> converged_since;
  const bool settled = c.WaitFor(
      [&] {
        if (!c.Converged(apps, &why)) {
          converged_since.reset();
          return false;
        }
        if (!converged_since) converged_since = Clock::now();
        return Clock::now() - *converged_since >= std::chrono::seconds(5);
      },
      "settled", absl::Seconds(240));
  EXPECT_TRUE(settled) << "last check: " << why;
  const double settle_s = std::chrono::duration<double>(Clock::now() - settle_start).count();
  std::cerr << "soak: " << seconds << " s, seed " << seed << ": " << figures.demand_changes
            << " demand changes, " << figures.agent_kills << " agent kills, "
            << figures.controller_kills << " controller kills; converged "
            << (settled ? "and stayed so 5 s, after " : "NOT within ") << settle_s << " s\n";
  for (const std::string& app : apps) {
    std::cerr << "soak: " << app << " allocated " << c.Status(app, "allocated") << ", running "
              << c.Status(app, "running") << "\n";
  }
  EXPECT_GE(figures.agent_kills + figures.controller_kills, seconds >= 60 ? 1 : 0);
}

}  // namespace
}  // namespace microscale::testing
