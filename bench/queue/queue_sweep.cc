// queue_sweep: queue mode (`queue: {backlogTarget: 10}`, no declared rate) on the simulated
// closed loop of controller/core/queue_loop.h, swept over engines and over where the step
// lands between two reads, against the goals of issue 13. One scenario on one engine says
// little: the same decision meets a goal at one phase of the step and misses it 50 ms
// later. This counts the misses over the whole sweep, so a change to the decision can be
// judged in seconds before a real dockerd run (bench/queue/queue.sh) confirms it.
//
// Engines (start delay / spacing between starts): 0.5/0, 0.75/0, 1/0.05, 1/0.15, 1.5/0.3
// seconds; the last three start one container at a time, as a busy dockerd does. For each:
// - steps of arrivals 0 -> 10 and 0 -> 20 -> 0 (each container drains 1 item/s), the step
//   at 10 phases 50 ms apart: misses of N within 5 s, overshoot above 10 %, more than 2
//   reversals in the 120 s after the step, a backlog above twice the target over the last
//   60 s, and back to 0 later than the drain time + 5 s;
// - ramps 0 -> 10 and 0 -> 20 over 30 and 60 s, held for 120 s, at the same 10 phases:
//   overshoot above 10 %, more than 2 reversals, backlog above twice the target;
// - ramps to half of 20, 30 and 40 items/s, then a step to the top, at the same 10 phases:
//   more than 2 reversals from 20 s after the step to 120 s after it (a drain rate that the
//   ramp taught wrong must not keep the count swinging);
// - 40 seeds of Poisson arrivals at 10/s for 180 s: reversals a minute, container-seconds
//   against the ideal (over the whole run, the way back to 0 included, as on a real dockerd),
//   and the time from the stop of arrivals back to 0.
//
// Usage: queue_sweep [OPTIONS]   (well under a second; --help lists the options)
// Prints one markdown table per scenario kind, a row per engine.
//        queue_sweep [OPTIONS] --trace step|ramp|rampstep|poisson TOP [DELAY SPACING [SEED
//        [PHASE]]]
// Prints one run read by read, tab-separated: to see why a run of the sweep misses a goal.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "controller/core/queue_loop.h"

namespace microscale::core::testing {
namespace {

constexpr double kTarget = 10;
constexpr double kReachGoal = 5;
constexpr double kOvershootGoal = 1.1;
constexpr int32_t kReversalGoal = 2;
constexpr double kDrainSlack = 5;
constexpr int kPhases = 10;
constexpr double kPhaseStep = 0.05;

struct Engine {
  double delay = 0;
  double spacing = 0;
};

// With --declared, every run declares the loop's drain rate (perContainerRate: 1).
bool declared_rate = false;
// With --counted, the source also counts the items ever enqueued (arrivalsPointer).
bool counted = false;
// --lag S: each container drains from S seconds after the start its reads report.
double drain_lag = 0;

AppSpec QueueApp(int32_t max) {
  AppSpec spec = QueueLoopApp(kTarget, max);
  if (declared_rate) spec.demand.queue->per_container_rate = 1;
  return spec;
}

// The loop's options for `engine`: its start delay and spacing.
LoopOptions EngineOptions(const Engine& engine) {
  LoopOptions options;
  options.start_delay = engine.delay;
  options.start_spacing = engine.spacing;
  options.count_arrivals = counted;
  options.drain_lag = drain_lag;
  return options;
}

int32_t MostAbove(int32_t needed) {
  return static_cast<int32_t>(std::floor(needed * kOvershootGoal + 1e-9));
}

struct StepMisses {
  int runs = 0;
  int reach = 0;
  int overshoot = 0;
  int reversals = 0;
  int backlog = 0;
  int back = 0;
  double reach_sum = 0;
  double peak_sum = 0;  // as a multiple of the need
  double back_sum = 0;  // seconds from the stop of arrivals to 0
  double worst_back = 0;
};

void RunStep(const Engine& engine, double lambda, double phase, StepMisses& m) {
  const double step = 5 + phase;
  const double stop = step + 150;
  const auto needed = static_cast<int32_t>(lambda);
  LoopOptions options = EngineOptions(engine);
  std::vector<LoopSample> samples = RunQueueLoop(
      QueueApp(40), [&](double t) { return t >= step && t < stop ? lambda : 0.0; }, stop + 60,
      options);
  double reach = -1;
  const double back = SecondsToZero(samples, stop);
  double steady = 0;
  int32_t peak = 0;
  for (const LoopSample& s : samples) {
    if (s.t >= step && s.t < stop) {
      if (reach < 0 && s.running >= needed) reach = s.t - step;
      peak = std::max(peak, s.running);
      if (s.t >= stop - 60) steady = std::max(steady, s.backlog);
    }
  }
  ++m.runs;
  m.reach += reach < 0 || reach > kReachGoal + 1e-6;
  m.overshoot += peak > MostAbove(needed);
  m.reversals += Reversals(samples, step, step + 120) > kReversalGoal;
  m.backlog += steady > 2 * kTarget;
  m.back += back < 0 || back > steady / lambda + kDrainSlack;
  m.reach_sum += reach < 0 ? 150 : reach;
  m.peak_sum += static_cast<double>(peak) / needed;
  m.back_sum += back < 0 ? 60 : back;
  m.worst_back = std::max(m.worst_back, back < 0 ? 60 : back);
}

struct RampMisses {
  int runs = 0;
  int overshoot = 0;
  int reversals = 0;
  int backlog = 0;
  double peak_sum = 0;
  double reversal_sum = 0;
};

void RunRamp(const Engine& engine, double top, double phase, RampMisses& m) {
  const double start = 5 + phase;
  const double rise = 3 * top;  // 1 item/s more every 3 s
  const double stop = start + rise + 120;
  const auto needed = static_cast<int32_t>(top);
  LoopOptions options = EngineOptions(engine);
  auto lambda = [&](double t) {
    if (t < start || t >= stop) return 0.0;
    return std::min(top, (t - start) * top / rise);
  };
  std::vector<LoopSample> samples = RunQueueLoop(QueueApp(40), lambda, stop + 60, options);
  int32_t peak = 0;
  double steady = 0;
  for (const LoopSample& s : samples) {
    if (s.t < stop) peak = std::max(peak, s.running);
    if (s.t >= stop - 60 && s.t < stop) steady = std::max(steady, s.backlog);
  }
  const int32_t reversals = Reversals(samples, start, stop);
  ++m.runs;
  m.overshoot += peak > MostAbove(needed);
  m.reversals += reversals > kReversalGoal;
  m.backlog += steady > 2 * kTarget;
  m.peak_sum += static_cast<double>(peak) / needed;
  m.reversal_sum += reversals;
}

struct RampStepMisses {
  int runs = 0;
  int reversals = 0;  // runs with more than 2 reversals from 20 s after the step on
  int worst = 0;
  double reversal_sum = 0;
};

// Arrivals that ramp to half of `top` (1 item/s more every 3 s), then step to `top`.
double RampThenStep(double t, double start, double top) {
  if (t < start) return 0.0;
  return t < start + 1.5 * top ? std::min(top / 2, (t - start) / 3) : top;
}

void RunRampStep(const Engine& engine, double top, double phase, RampStepMisses& m) {
  const double start = 5 + phase;
  const double step = start + 1.5 * top;
  const double stop = step + 120;
  LoopOptions options = EngineOptions(engine);
  std::vector<LoopSample> samples = RunQueueLoop(
      QueueApp(40), [&](double t) { return t < stop ? RampThenStep(t, start, top) : 0.0; },
      stop + 30, options);
  const int32_t reversals = Reversals(samples, step + 20, stop);
  ++m.runs;
  m.reversals += reversals > kReversalGoal;
  m.worst = std::max(m.worst, reversals);
  m.reversal_sum += reversals;
}

struct PoissonFigures {
  int runs = 0;
  double reversals_per_minute = 0;  // summed over runs
  double worst_reversals_per_minute = 0;
  double cost = 0;  // container-seconds over the ideal, summed over runs
  double worst_cost = 0;
  double back_sum = 0;  // seconds from the stop of arrivals to 0
  double worst_back = 0;
};

void RunPoisson(const Engine& engine, uint64_t seed, PoissonFigures& f) {
  constexpr double kStart = 5;
  constexpr double kSeconds = 180;
  constexpr double kRate = 10;
  constexpr double kAfter = 60;
  const double stop = kStart + kSeconds;
  LoopOptions options = EngineOptions(engine);
  options.poisson = true;
  options.seed = seed;
  std::vector<LoopSample> samples = RunQueueLoop(
      QueueApp(20), [&](double t) { return t >= kStart && t < stop ? kRate : 0.0; }, stop + kAfter,
      options);
  // The whole run, the way back to 0 included, as bench/queue/analyze.py counts it.
  const double container_seconds = ContainerSeconds(samples, kStart, stop + kAfter);
  double back = SecondsToZero(samples, stop);
  if (back < 0) back = kAfter;
  f.back_sum += back;
  f.worst_back = std::max(f.worst_back, back);
  const double per_minute = Reversals(samples, kStart, kStart + kSeconds) / (kSeconds / 60);
  ++f.runs;
  f.reversals_per_minute += per_minute;
  f.worst_reversals_per_minute = std::max(f.worst_reversals_per_minute, per_minute);
  f.cost += container_seconds / (kRate * kSeconds);
  f.worst_cost = std::max(f.worst_cost, container_seconds / (kRate * kSeconds));
}

int Run() {
  const std::vector<Engine> engines = {{0.5, 0}, {0.75, 0}, {1, 0.05}, {1, 0.15}, {1.5, 0.3}};
  std::printf("Steps 0 -> 10 and 0 -> 20 -> 0, %d phases each: runs that miss each goal\n\n",
              kPhases);
  std::printf(
      "| engine (delay/spacing s) | runs | N after 5 s | overshoot > 10 %% | > 2 reversals | "
      "backlog > 2x | back to 0 late | mean time to N (s) | mean peak / N | back to 0 (s), mean | "
      "worst |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Engine& engine : engines) {
    StepMisses m;
    for (int p = 0; p < kPhases; ++p) {
      for (double lambda : {10.0, 20.0}) RunStep(engine, lambda, p * kPhaseStep, m);
    }
    std::printf("| %.2f/%.2f | %d | %d | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f |\n",
                engine.delay, engine.spacing, m.runs, m.reach, m.overshoot, m.reversals, m.backlog,
                m.back, m.reach_sum / m.runs, m.peak_sum / m.runs, m.back_sum / m.runs,
                m.worst_back);
  }
  std::printf("\nRamps 0 -> 10 and 0 -> 20 (1 item/s more every 3 s), %d phases each\n\n", kPhases);
  std::printf(
      "| engine (delay/spacing s) | runs | overshoot > 10 %% | > 2 reversals | backlog > 2x | "
      "mean peak / N | mean reversals |\n|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Engine& engine : engines) {
    RampMisses m;
    for (int p = 0; p < kPhases; ++p) {
      for (double top : {10.0, 20.0}) RunRamp(engine, top, p * kPhaseStep, m);
    }
    std::printf("| %.2f/%.2f | %d | %d | %d | %d | %.2f | %.1f |\n", engine.delay, engine.spacing,
                m.runs, m.overshoot, m.reversals, m.backlog, m.peak_sum / m.runs,
                m.reversal_sum / m.runs);
  }
  std::printf(
      "\nA ramp to half the top, then a step to the top (20, 30 and 40), %d phases each: "
      "reversals from 20 s after the step to 120 s after it\n\n",
      kPhases);
  std::printf(
      "| engine (delay/spacing s) | runs | > 2 reversals | mean reversals | worst |\n"
      "|---|---:|---:|---:|---:|\n");
  for (const Engine& engine : engines) {
    RampStepMisses m;
    for (int p = 0; p < kPhases; ++p) {
      for (double top : {20.0, 30.0, 40.0}) RunRampStep(engine, top, p * kPhaseStep, m);
    }
    std::printf("| %.2f/%.2f | %d | %d | %.1f | %d |\n", engine.delay, engine.spacing, m.runs,
                m.reversals, m.reversal_sum / m.runs, m.worst);
  }
  std::printf(
      "\nPoisson arrivals at 10/s for 180 s, 40 seeds (container-seconds up to 60 s after "
      "arrivals stop)\n\n");
  std::printf(
      "| engine (delay/spacing s) | runs | reversals a minute (mean) | worst | container-s / "
      "ideal (mean) | worst | back to 0 (s), mean | worst |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Engine& engine : engines) {
    PoissonFigures f;
    for (uint64_t seed = 1; seed <= 40; ++seed) RunPoisson(engine, seed, f);
    std::printf("| %.2f/%.2f | %d | %.2f | %.2f | %.3f | %.2f | %.2f | %.2f |\n", engine.delay,
                engine.spacing, f.runs, f.reversals_per_minute / f.runs,
                f.worst_reversals_per_minute, f.cost / f.runs, f.worst_cost, f.back_sum / f.runs,
                f.worst_back);
  }
  return 0;
}

// One run, read by read: `kind` is step, ramp or poisson (a step of Poisson arrivals from
// `seed`), to `top` items/s, on the engine given.
int Trace(const char* kind, double top, const Engine& engine, uint64_t seed, double phase) {
  const bool ramp = std::strcmp(kind, "ramp") == 0;
  const bool ramp_step = std::strcmp(kind, "rampstep") == 0;
  const bool poisson = std::strcmp(kind, "poisson") == 0;
  if (!ramp && !ramp_step && !poisson && std::strcmp(kind, "step") != 0) {
    std::fprintf(stderr, "queue_sweep: --trace takes step, ramp, rampstep or poisson, not %s\n",
                 kind);
    return 2;
  }
  const double start = 5 + phase;
  // Poisson arrivals last 180 s, as in the sweep; a step, 120 s after the ramp if any.
  const double stop = start + (ramp ? 3 * top : ramp_step ? 1.5 * top : 0) + (poisson ? 180 : 120);
  LoopOptions options = EngineOptions(engine);
  options.poisson = poisson;
  options.seed = seed;
  auto lambda = [&](double t) {
    if (t < start || t >= stop) return 0.0;
    if (ramp_step) return RampThenStep(t, start, top);
    return ramp ? std::min(top, (t - start) / 3) : top;
  };
  std::printf("t\tarrivals\tbacklog\tdesired\trunning\tarrival_est\tdrain_est\n");
  for (const LoopSample& s : RunQueueLoop(QueueApp(40), lambda, stop + 30, options)) {
    std::printf("%.2f\t%.1f\t%.0f\t%d\t%d\t%.2f\t%.2f\n", s.t, s.arrival_rate, s.backlog, s.desired,
                s.running, s.arrival_estimate, s.drain_estimate);
  }
  return 0;
}

}  // namespace
}  // namespace microscale::core::testing

// A number from the command line, or nullopt when `text` is not one within [low, high].
std::optional<double> Number(const char* text, double low, double high) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= low && v <= high)) return std::nullopt;
  return v;
}

int main(int argc, char** argv) {
  for (;;) {
    if (argc > 1 && std::strcmp(argv[1], "--declared") == 0) {
      microscale::core::testing::declared_rate = true;
    } else if (argc > 1 && std::strcmp(argv[1], "--counted") == 0) {
      microscale::core::testing::counted = true;
    } else if (argc > 2 && std::strcmp(argv[1], "--lag") == 0) {
      const std::optional<double> lag = Number(argv[2], 0, 10);
      if (!lag) {
        std::fprintf(stderr, "queue_sweep: --lag must be seconds in [0, 10]\n");
        return 2;
      }
      microscale::core::testing::drain_lag = *lag;
      --argc;
      ++argv;
    } else {
      break;
    }
    --argc;
    ++argv;
  }
  if (argc > 1 && std::strcmp(argv[1], "--trace") == 0) {
    if (argc < 4 || argc == 5 || argc > 8) {
      std::fprintf(stderr,
                   "queue_sweep: --trace takes step|ramp|rampstep|poisson TOP [DELAY SPACING [SEED "
                   "[PHASE]]]\n");
      return 2;
    }
    const std::optional<double> top = Number(argv[3], 0.01, 1000);
    const std::optional<double> delay = argc >= 6 ? Number(argv[4], 0, 60) : 0.75;
    const std::optional<double> spacing = argc >= 6 ? Number(argv[5], 0, 60) : 0.0;
    const std::optional<double> seed = argc >= 7 ? Number(argv[6], 0, 1e9) : 1.0;
    const std::optional<double> phase = argc >= 8 ? Number(argv[7], 0, 60) : 0.0;
    const char* bad = !top       ? "TOP must be a number of items/s in (0, 1000]"
                      : !delay   ? "DELAY must be seconds in [0, 60]"
                      : !spacing ? "SPACING must be seconds in [0, 60]"
                      : !seed || *seed != std::floor(*seed)
                          ? "SEED must be a whole number up to 1e9"
                      : !phase ? "PHASE must be seconds in [0, 60]"
                               : nullptr;
    if (bad != nullptr) {
      std::fprintf(stderr, "queue_sweep: --trace: %s\n", bad);
      return 2;
    }
    return microscale::core::testing::Trace(argv[2], *top, {*delay, *spacing},
                                            static_cast<uint64_t>(*seed), *phase);
  }
  if (argc > 1) {
    const bool help = std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0;
    if (!help) std::fprintf(stderr, "queue_sweep: unknown argument '%s'\n", argv[1]);
    std::fprintf(
        help ? stdout : stderr,
        "Usage: queue_sweep [OPTIONS]\n"
        "       queue_sweep [OPTIONS] --trace step|ramp|rampstep|poisson TOP [DELAY SPACING "
        "[SEED [PHASE]]]\n"
        "Runs queue mode (backlogTarget 10, no declared rate) on the simulated closed "
        "loop over 5 engines,\nstep phases, ramps and Poisson seeds, and prints the "
        "runs that miss each goal of issue 13.\n"
        "Options:\n"
        "  --declared        declare the drain rate (perContainerRate: 1) in every run\n"
        "  --counted         the source also counts the items ever enqueued\n"
        "  --lag S           each container drains from S s after the start its reads "
        "report\n"
        "--trace prints one run read by read: a step to TOP items/s, a ramp of 1 item/s "
        "more every 3 s\nup to TOP, that ramp up to TOP/2 and then a step to TOP "
        "(rampstep), or 180 s of\nPoisson arrivals at TOP from SEED "
        "(default 1), on an engine with\nDELAY and SPACING seconds (default 0.75 0), "
        "arrivals starting PHASE seconds after 5 s.\n");
    return help ? 0 : 2;
  }
  return microscale::core::testing::Run();
}
