#include "cli/simulate/output.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace microscale::simulate {
namespace {

// Rows are formatted into a buffer and written out in chunks of about this size.
constexpr size_t kFlushBytes = 1 << 16;

void AppendNumber(std::string& out, double value, int decimals) {
  const double rounded = std::round(value);
  if (std::abs(value - rounded) < 1e-9 && std::abs(rounded) < 9e15) {
    absl::StrAppend(&out, static_cast<int64_t>(rounded) == 0 ? 0 : static_cast<int64_t>(rounded));
    return;
  }
  std::string text = absl::StrFormat("%.*f", decimals, value);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  out += text;
}

class BufferedWriter : public OutputWriter {
 protected:
  BufferedWriter(std::vector<std::string> apps, std::ostream& out)
      : apps_(std::move(apps)), out_(out) {}
  void MaybeFlush() {
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  void Flush() {
    out_ << buffer_;
    buffer_.clear();
  }
  std::vector<std::string> apps_;
  std::ostream& out_;
  std::string buffer_;
};

class CsvWriter final : public BufferedWriter {
 public:
  CsvWriter(std::vector<std::string> apps, std::ostream& out)
      : BufferedWriter(std::move(apps), out) {
    absl::StrAppend(&buffer_, kCsvHeader, "\n");
  }
  void OnStep(double seconds, const std::vector<StepRow>& rows) override {
    for (const StepRow& r : rows) {
      AppendNumber(buffer_, seconds, 3);
      absl::StrAppend(&buffer_, ",", apps_[r.app], ",");
      if (r.demand) AppendNumber(buffer_, *r.demand, 3);
      absl::StrAppend(&buffer_, ",", r.desired, ",", r.allocated, ",", r.running, ",", r.paused,
                      ",", r.preemptions, ",");
      AppendNumber(buffer_, r.shortfall, 3);
      buffer_ += '\n';
    }
    MaybeFlush();
  }
  void Finish(const SimulationSummary&) override {
    Flush();
    out_.flush();
  }
};

// Columns as wide as their header (or the longest app name), three spaces apart; a wider
// cell pushes its line out rather than being cut.
class TableWriter final : public BufferedWriter {
 public:
  TableWriter(std::vector<std::string> apps, std::ostream& out)
      : BufferedWriter(std::move(apps), out) {
    size_t app_width = 3;
    for (const std::string& a : apps_) app_width = std::max(app_width, a.size());
    widths_ = {8, app_width, 8, 7, 9, 7, 6, 11, 9};
    AppendLine({"SECONDS", "APP", "DEMAND", "DESIRED", "ALLOCATED", "RUNNING", "PAUSED",
                "PREEMPTIONS", "SHORTFALL"});
  }
  void OnStep(double seconds, const std::vector<StepRow>& rows) override {
    for (const StepRow& r : rows) {
      std::string demand = "-";
      if (r.demand) demand = FormatNumber(*r.demand);
      AppendLine({FormatNumber(seconds), apps_[r.app], demand, absl::StrCat(r.desired),
                  absl::StrCat(r.allocated), absl::StrCat(r.running), absl::StrCat(r.paused),
                  absl::StrCat(r.preemptions), FormatNumber(r.shortfall)});
    }
    MaybeFlush();
  }
  void Finish(const SimulationSummary& s) override {
    const bool arrivals = s.kind == TraceKind::kArrivals;
    absl::StrAppend(&buffer_, "\nSUMMARY: ", s.steps, " steps of ", FormatNumber(s.step_seconds),
                    " s (", FormatNumber(s.seconds), " s), ", s.decisions, " decisions, ",
                    s.commands, " commands\n");
    size_t app_width = 3;
    for (const AppSummary& a : s.apps) app_width = std::max(app_width, a.app.size());
    widths_ = {app_width, 17, 9, 11, 9};
    AppendLine({"APP", "CONTAINER-SECONDS", "SHORTFALL", "PREEMPTIONS", "REVERSALS"});
    for (const AppSummary& a : s.apps) {
      AppendLine({a.app, FormatNumber(a.container_seconds), FormatNumber(a.shortfall),
                  absl::StrCat(a.preemptions), absl::StrCat(a.reversals)});
    }
    absl::StrAppend(&buffer_, arrivals ? "shortfall: item-seconds spent waiting in the queue\n"
                                       : "shortfall: demand-unit-seconds above running x "
                                         "targetPerContainer\n");
    Flush();
    out_.flush();
  }

 private:
  void AppendLine(const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      buffer_ += cells[i];
      if (i + 1 == cells.size()) break;
      const size_t width = i < widths_.size() ? widths_[i] : 0;
      buffer_.append(width > cells[i].size() ? width - cells[i].size() + 3 : 3, ' ');
    }
    buffer_ += '\n';
  }
  std::vector<size_t> widths_;
};

class JsonWriter final : public BufferedWriter {
 public:
  JsonWriter(std::vector<std::string> apps, std::ostream& out)
      : BufferedWriter(std::move(apps), out) {
    for (const std::string& a : apps_) quoted_.push_back(nlohmann::json(a).dump());
    buffer_ =
        "{\n  \"apiVersion\": \"microscale.io/v1\",\n  \"kind\": \"SimulationResult\",\n"
        "  \"steps\": [";
  }
  void OnStep(double seconds, const std::vector<StepRow>& rows) override {
    for (const StepRow& r : rows) {
      absl::StrAppend(&buffer_, first_ ? "\n" : ",\n", "    {\"seconds\": ");
      first_ = false;
      AppendNumber(buffer_, seconds, 6);
      absl::StrAppend(&buffer_, ", \"app\": ", quoted_[r.app], ", \"demand\": ");
      if (r.demand) {
        AppendNumber(buffer_, *r.demand, 6);
      } else {
        buffer_ += "null";
      }
      absl::StrAppend(&buffer_, ", \"desired\": ", r.desired, ", \"allocated\": ", r.allocated,
                      ", \"running\": ", r.running, ", \"paused\": ", r.paused,
                      ", \"preemptions\": ", r.preemptions, ", \"shortfall\": ");
      AppendNumber(buffer_, r.shortfall, 6);
      buffer_ += '}';
    }
    MaybeFlush();
  }
  void Finish(const SimulationSummary& s) override {
    buffer_ += first_ ? "],\n  \"summary\": {" : "\n  ],\n  \"summary\": {";
    for (size_t i = 0; i < s.apps.size(); ++i) {
      const AppSummary& a = s.apps[i];
      absl::StrAppend(&buffer_, i == 0 ? "\n" : ",\n", "    ", nlohmann::json(a.app).dump(),
                      ": {\"containerSeconds\": ");
      AppendNumber(buffer_, a.container_seconds, 6);
      buffer_ += ", \"shortfall\": ";
      AppendNumber(buffer_, a.shortfall, 6);
      absl::StrAppend(&buffer_, ", \"preemptions\": ", a.preemptions,
                      ", \"reversals\": ", a.reversals, "}");
    }
    buffer_ += s.apps.empty() ? "}\n}\n" : "\n  }\n}\n";
    Flush();
    out_.flush();
  }

 private:
  std::vector<std::string> quoted_;  // app names as JSON strings
  bool first_ = true;
};

}  // namespace

std::string FormatNumber(double value, int decimals) {
  std::string out;
  AppendNumber(out, value, decimals);
  return out;
}

std::unique_ptr<OutputWriter> MakeWriter(OutputKind kind, std::vector<std::string> apps,
                                         std::ostream& out) {
  switch (kind) {
    case OutputKind::kCsv:
      return std::make_unique<CsvWriter>(std::move(apps), out);
    case OutputKind::kJson:
      return std::make_unique<JsonWriter>(std::move(apps), out);
    case OutputKind::kTable:
      break;
  }
  return std::make_unique<TableWriter>(std::move(apps), out);
}

}  // namespace microscale::simulate
