// The printed forms of a simulation: `-o table` (aligned columns, then a summary per app),
// `-o csv` (the header seconds,app,demand,desired,allocated,running,paused,preemptions,
// shortfall and one line per step and app) and `-o json`:
//
//   {"apiVersion": "microscale.io/v1", "kind": "SimulationResult",
//    "steps": [{"seconds": 0, "app": "api", "demand": 5, ...}, ...],
//    "summary": {"api": {"containerSeconds": 120, "shortfall": 0, "preemptions": 0,
//                        "reversals": 1}, ...}}
//
// A writer is the engine's StepSink, so rows are printed as they are made and a day of
// steps never sits in memory. Numbers print exactly when whole, else with up to 3 decimals
// (6 in JSON); a demand not read yet prints as "-" (table), an empty field (csv) or null.
// Thread-safety: not thread-safe; one writer per run.
#ifndef MICROSCALE_CLI_SIMULATE_OUTPUT_H_
#define MICROSCALE_CLI_SIMULATE_OUTPUT_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cli/simulate/engine.h"

namespace microscale::simulate {

enum class OutputKind { kTable, kCsv, kJson };

inline constexpr char kCsvHeader[] =
    "seconds,app,demand,desired,allocated,running,paused,preemptions,shortfall";

class OutputWriter : public StepSink {
 public:
  // Prints what follows the rows (the summary, the closing brackets) and flushes.
  virtual void Finish(const SimulationSummary& summary) = 0;
};

// A writer of `kind` to `out` for the apps named `apps` (in the engine's order).
std::unique_ptr<OutputWriter> MakeWriter(OutputKind kind, std::vector<std::string> apps,
                                         std::ostream& out);

// `value` with up to `decimals` decimals, trailing zeros dropped ("2", "0.25", "-1.5").
std::string FormatNumber(double value, int decimals = 3);

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_OUTPUT_H_
