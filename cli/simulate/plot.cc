#include "cli/simulate/plot.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/simulate/output.h"

namespace microscale::simulate {
namespace {

constexpr double kWidth = 900;
constexpr double kPanelHeight = 200;
constexpr double kLeft = 70;
constexpr double kRight = 70;
constexpr double kTop = 40;     // title and legend
constexpr double kBottom = 40;  // x axis labels
constexpr char kDemandColor[] = "#1f77b4";
constexpr char kRunningColor[] = "#ff7f0e";
constexpr char kPreemptColor[] = "#d62728";

// A round upper bound for an axis, at least `value`: a power of ten times one of a few
// factors whose quarters (the gridlines) read well, and close enough that the data fills
// most of the panel.
double NiceMax(double value) {
  if (!(value > 0)) return 1;
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double m : {1.0, 1.2, 1.6, 2.0, 2.4, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (m * power >= value - 1e-9) return m * power;
  }
  return 10 * power;
}

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

PlotCollector::PlotCollector(std::vector<std::string> apps)
    : apps_(std::move(apps)), series_(apps_.size()) {}

void PlotCollector::OnStep(double seconds, const std::vector<StepRow>& rows) {
  const bool keep = seen_ % stride_ == 0;
  ++seen_;
  for (const StepRow& r : rows) {
    std::vector<Point>& s = series_[r.app];
    if (keep || s.empty()) {
      s.push_back({seconds, r.demand.value_or(0), r.running, r.preemptions});
    } else {
      s.back().preemptions += r.preemptions;
    }
  }
  if (!series_.empty() && series_.front().size() > kMaxPlotPoints) Thin();
}

void PlotCollector::Thin() {
  for (std::vector<Point>& s : series_) {
    std::vector<Point> kept;
    kept.reserve(s.size() / 2 + 1);
    for (size_t i = 0; i < s.size(); ++i) {
      if (i % 2 == 0) {
        kept.push_back(s[i]);
      } else {
        kept.back().preemptions += s[i].preemptions;
      }
    }
    s = std::move(kept);
  }
  stride_ *= 2;
}

std::string PlotCollector::Svg(bool arrivals) const {
  const double height = kPanelHeight * static_cast<double>(std::max<size_t>(1, apps_.size()));
  std::string svg = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"",
      kWidth, "\" height=\"", height, "\" viewBox=\"0 0 ", kWidth, " ", height,
      "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n");
  double t_max = 0;
  for (const auto& s : series_) {
    if (!s.empty()) t_max = std::max(t_max, s.back().seconds);
  }
  const double x_max = NiceMax(t_max);
  const std::string demand_label = arrivals ? "backlog (items)" : "demand";
  for (size_t a = 0; a < apps_.size(); ++a) {
    const std::vector<Point>& s = series_[a];
    const double top = static_cast<double>(a) * kPanelHeight + kTop;
    const double plot_h = kPanelHeight - kTop - kBottom;
    const double plot_w = kWidth - kLeft - kRight;
    double d_max = 0, r_max = 0;
    for (const Point& p : s) {
      d_max = std::max(d_max, p.demand);
      r_max = std::max(r_max, static_cast<double>(p.running));
    }
    d_max = NiceMax(d_max);
    r_max = NiceMax(r_max);
    auto x = [&](double t) { return kLeft + t / x_max * plot_w; };
    auto yd = [&](double v) { return top + plot_h - v / d_max * plot_h; };
    auto yr = [&](double v) { return top + plot_h - v / r_max * plot_h; };
    absl::StrAppend(&svg, "<g>\n<text x=\"", kLeft, "\" y=\"", Num(top - 22),
                    "\" font-size=\"13\" font-weight=\"bold\">", XmlEscape(apps_[a]), "</text>\n");
    // Legend.
    const double lx = kLeft + 200, ly = top - 26;
    absl::StrAppend(&svg, "<line x1=\"", lx, "\" y1=\"", Num(ly + 4), "\" x2=\"", lx + 20,
                    "\" y2=\"", Num(ly + 4), "\" stroke=\"", kDemandColor,
                    "\" stroke-width=\"2\"/><text x=\"", lx + 24, "\" y=\"", Num(ly + 8), "\">",
                    demand_label, " (left axis)</text>\n");
    absl::StrAppend(&svg, "<line x1=\"", lx + 170, "\" y1=\"", Num(ly + 4), "\" x2=\"", lx + 190,
                    "\" y2=\"", Num(ly + 4), "\" stroke=\"", kRunningColor,
                    "\" stroke-width=\"2\"/><text x=\"", lx + 194, "\" y=\"", Num(ly + 8),
                    "\">running containers (right axis)</text>\n");
    absl::StrAppend(&svg, "<path d=\"M", lx + 400, " ", Num(ly + 8), " l5 -8 l5 8 z\" fill=\"",
                    kPreemptColor, "\"/><text x=\"", lx + 414, "\" y=\"", Num(ly + 8),
                    "\">preemption</text>\n");
    // Axes, grid and tick labels.
    absl::StrAppend(&svg, "<rect x=\"", kLeft, "\" y=\"", Num(top), "\" width=\"", plot_w,
                    "\" height=\"", Num(plot_h), "\" fill=\"none\" stroke=\"#333\"/>\n");
    for (int i = 0; i <= 4; ++i) {
      const double f = i / 4.0;
      const double gy = top + plot_h - f * plot_h;
      absl::StrAppend(&svg, "<line x1=\"", kLeft, "\" y1=\"", Num(gy), "\" x2=\"", kLeft + plot_w,
                      "\" y2=\"", Num(gy), "\" stroke=\"#ddd\"/>\n");
      absl::StrAppend(&svg, "<text x=\"", kLeft - 6, "\" y=\"", Num(gy + 4),
                      "\" text-anchor=\"end\" fill=\"", kDemandColor, "\">",
                      FormatNumber(f * d_max, 2), "</text>\n");
      absl::StrAppend(&svg, "<text x=\"", kLeft + plot_w + 6, "\" y=\"", Num(gy + 4), "\" fill=\"",
                      kRunningColor, "\">", FormatNumber(f * r_max, 2), "</text>\n");
      const double gx = kLeft + f * plot_w;
      absl::StrAppend(&svg, "<text x=\"", Num(gx), "\" y=\"", Num(top + plot_h + 14),
                      "\" text-anchor=\"middle\">", FormatNumber(f * x_max, 2), "</text>\n");
    }
    absl::StrAppend(&svg, "<text x=\"", Num(kLeft + plot_w / 2), "\" y=\"", Num(top + plot_h + 30),
                    "\" text-anchor=\"middle\">seconds</text>\n");
    absl::StrAppend(&svg, "<text transform=\"translate(16 ", Num(top + plot_h / 2),
                    ") rotate(-90)\" text-anchor=\"middle\" fill=\"", kDemandColor, "\">",
                    demand_label, "</text>\n");
    absl::StrAppend(&svg, "<text transform=\"translate(", kWidth - 14, " ", Num(top + plot_h / 2),
                    ") rotate(90)\" text-anchor=\"middle\" fill=\"", kRunningColor,
                    "\">running</text>\n");
    // The two lines, drawn as steps (a value holds until the next point).
    auto line = [&](auto value_y, const char* color) {
      if (s.empty()) return;
      std::string d = absl::StrCat("M", Num(x(s[0].seconds)), " ", Num(value_y(s[0])));
      for (size_t i = 1; i < s.size(); ++i) {
        absl::StrAppend(&d, " H", Num(x(s[i].seconds)), " V", Num(value_y(s[i])));
      }
      absl::StrAppend(&svg, "<path d=\"", d, "\" fill=\"none\" stroke=\"", color,
                      "\" stroke-width=\"1.5\"/>\n");
    };
    line([&](const Point& p) { return yd(p.demand); }, kDemandColor);
    line([&](const Point& p) { return yr(static_cast<double>(p.running)); }, kRunningColor);
    for (const Point& p : s) {
      if (p.preemptions == 0) continue;
      absl::StrAppend(&svg, "<path d=\"M", Num(x(p.seconds) - 4), " ", Num(top + plot_h),
                      " l4 -8 l4 8 z\" fill=\"", kPreemptColor, "\"><title>", p.preemptions,
                      " preempted at ", FormatNumber(p.seconds), " s</title></path>\n");
    }
    svg += "</g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace microscale::simulate
