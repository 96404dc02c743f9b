// PlotCollector: keeps what `simulate --plot FILE.svg` draws, as the rows go by, and
// renders it as a standalone SVG: one panel per app with its demand (left axis) and its
// running containers (right axis) over time, axes with labels, a legend, and a red mark
// at every time the app lost containers to preemption.
//
// Long runs are thinned as they grow (every other point is dropped whenever a series
// passes kMaxPlotPoints, and preemptions are summed into the points kept), so memory stays
// bounded for a day of steps. Thread-safety: not thread-safe; one per run.
#ifndef MICROSCALE_CLI_SIMULATE_PLOT_H_
#define MICROSCALE_CLI_SIMULATE_PLOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cli/simulate/engine.h"

namespace microscale::simulate {

inline constexpr size_t kMaxPlotPoints = 2000;

class PlotCollector : public StepSink {
 public:
  explicit PlotCollector(std::vector<std::string> apps);

  void OnStep(double seconds, const std::vector<StepRow>& rows) override;

  // The whole SVG document. `arrivals` labels the demand axis as a backlog.
  std::string Svg(bool arrivals) const;

 private:
  struct Point {
    double seconds = 0;
    double demand = 0;
    int32_t running = 0;
    int64_t preemptions = 0;
  };
  void Thin();

  std::vector<std::string> apps_;
  std::vector<std::vector<Point>> series_;  // per app
  int64_t stride_ = 1;                      // steps per point kept
  int64_t seen_ = 0;                        // steps seen
};

// Escapes text for SVG/XML character data and attribute values.
std::string XmlEscape(const std::string& text);

}  // namespace microscale::simulate

#endif  // MICROSCALE_CLI_SIMULATE_PLOT_H_
