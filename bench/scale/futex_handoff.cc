// futex_handoff: what one wake-up between two threads costs beside many idle threads, on the
// process's own futex hash (Linux 6.17 and later: 16 slots on a 2-CPU machine) and on the
// kernel's global hash (common/futex_hash.h), side by side in one run. The controller holds
// a thread per agent stream, the scale bench's load driver about 6,000.
//
// Every measurement runs in a fresh child process (a process cannot go back to a private
// hash): IDLE threads each block on a condition variable of their own, then two threads
// hand a turn back and forth HANDOFFS times through a mutex and two condition variables.
// The kinds alternate, REPEATS times each.
//
// Usage: futex_handoff [IDLE [HANDOFFS [REPEATS]]]   (defaults 6000 100000 5)
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/futex_hash.h"

namespace microscale {
namespace {

struct Result {
  double ns_per_handoff = 0;
  int slots = 0;  // the private hash's slots the child ran with (0: the global hash)
};

// In the child: the idle threads, then the hand-offs. Never returns.
[[noreturn]] void Measure(bool global, int idle, int handoffs, int out) {
  if (global && !UseGlobalFutexHash().ok()) _exit(3);
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
  };
  std::vector<std::unique_ptr<Waiter>> waiters;
  int parked = 0;
  std::mutex parked_mu;
  std::condition_variable parked_cv;
  for (int i = 0; i < idle; ++i) {
    waiters.push_back(std::make_unique<Waiter>());
    Waiter* w = waiters.back().get();
    std::thread([w, &parked, &parked_mu, &parked_cv] {
      std::unique_lock lock(w->mu);
      {
        std::lock_guard p(parked_mu);
        ++parked;
      }
      parked_cv.notify_one();
      for (;;) w->cv.wait(lock);  // until the process exits
    }).detach();
  }
  {
    std::unique_lock lock(parked_mu);
    parked_cv.wait(lock, [&] { return parked == idle; });
  }
  std::mutex mu;
  std::condition_variable turn_cv[2];
  int turn = 0;
  auto player = [&](int me) {
    std::unique_lock lock(mu);
    for (int k = 0; k < handoffs; ++k) {
      turn_cv[me].wait(lock, [&] { return turn == me; });
      turn = 1 - me;
      turn_cv[1 - me].notify_one();
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::thread a(player, 0);
  std::thread b(player, 1);
  a.join();
  b.join();
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
  const Result r{took.count() / (2.0 * handoffs), PrivateFutexHashSlots()};
  const bool written = write(out, &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r));
  _exit(written ? 0 : 4);  // the idle threads end with the process
}

std::optional<Result> RunChild(bool global, int idle, int handoffs) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Measure(global, idle, handoffs, fds[1]);
  }
  close(fds[1]);
  Result r;
  const bool read_all = pid > 0 && read(fds[0], &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r));
  close(fds[0]);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (!read_all || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return r;
}

std::optional<int> Arg(int argc, char** argv, int i, int fallback, int low, int high) {
  if (argc <= i) return fallback;
  char* end = nullptr;
  const long v = std::strtol(argv[i], &end, 10);  // NOLINT(google-runtime-int): strtol's type
  if (end == argv[i] || *end != '\0' || v < low || v > high) return std::nullopt;
  return static_cast<int>(v);
}

int Main(int argc, char** argv) {
  const std::optional<int> idle = Arg(argc, argv, 1, 6000, 0, 30000);
  const std::optional<int> handoffs = Arg(argc, argv, 2, 100000, 1, 100000000);
  const std::optional<int> repeats = Arg(argc, argv, 3, 5, 1, 1000);
  if (argc > 4 || !idle || !handoffs || !repeats) {
    std::fprintf(stderr,
                 "usage: futex_handoff [IDLE [HANDOFFS [REPEATS]]]\n"
                 "  IDLE 0-30000 threads (default 6000), HANDOFFS >= 1 (default 100000),\n"
                 "  REPEATS 1-1000 (default 5)\n");
    return 2;
  }
  std::vector<double> ns[2];
  int slots[2] = {0, 0};
  for (int r = 0; r < *repeats; ++r) {
    for (int kind = 0; kind < 2; ++kind) {
      const std::optional<Result> result = RunChild(kind == 1, *idle, *handoffs);
      if (!result) {
        std::fprintf(stderr, "futex_handoff: a measurement failed (%s hash)\n",
                     kind == 1 ? "global" : "private");
        return 1;
      }
      ns[kind].push_back(result->ns_per_handoff);
      slots[kind] = result->slots;
    }
  }
  std::printf("%d idle threads, %d hand-offs a measurement, %d measurements each (alternating)\n\n",
              *idle, *handoffs, *repeats);
  std::printf("| futex hash | slots (GET_SLOTS) | median ns per hand-off | min | max |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  for (int kind = 0; kind < 2; ++kind) {
    std::vector<double>& v = ns[kind];
    std::sort(v.begin(), v.end());
    std::printf(
        "| %s | %d | %.0f | %.0f | %.0f |\n",
        kind == 1 ? "global (UseGlobalFutexHash)" : "the process's own (the kernel's default)",
        slots[kind], v[v.size() / 2], v.front(), v.back());
  }
  return 0;
}

}  // namespace
}  // namespace microscale

int main(int argc, char** argv) { return microscale::Main(argc, argv); }
