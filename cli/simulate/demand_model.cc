#include "cli/simulate/demand_model.h"

#include <algorithm>

namespace microscale::simulate {

DemandModel::DemandModel(const DemandTrace& trace, const std::vector<AppSpec>& apps,
                         double drain_rate)
    : kind_(trace.kind), points_(trace.points), drain_rate_(drain_rate) {
  target_.reserve(apps.size());
  level_.resize(apps.size());
  arrivals_.assign(apps.size(), 0);
  backlog_.assign(apps.size(), 0);
  for (size_t i = 0; i < apps.size(); ++i) {
    const DemandSpec& demand = apps[i].demand;
    target_.push_back(demand.target_per_container > 0 ? demand.target_per_container : 1);
    if (demand.source == DemandSourceKind::kStatic) level_[i] = demand.value;
  }
}

bool DemandModel::AdvanceTo(int64_t now_us) {
  bool changed = false;
  for (; next_ < points_.size() && points_[next_].at_us <= now_us; ++next_) {
    const TracePoint& p = points_[next_];
    if (kind_ == TraceKind::kLevel) {
      changed |= level_[p.app] != p.value;
      level_[p.app] = p.value;
    } else {
      changed |= arrivals_[p.app] != p.value;
      arrivals_[p.app] = p.value;
    }
  }
  return changed;
}

std::optional<int64_t> DemandModel::NextChangeUs() const {
  if (next_ >= points_.size()) return std::nullopt;
  return points_[next_].at_us;
}

std::optional<double> DemandModel::Reading(int app) const {
  if (kind_ == TraceKind::kLevel) return level_[app];
  return backlog_[app];
}

void DemandModel::Integrate(int64_t from_us, int64_t to_us, const std::vector<AppCounts>& counts,
                            std::vector<double>& shortfall) {
  const double dt = static_cast<double>(to_us - from_us) / 1e6;
  if (dt <= 0) return;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double running = counts[i].running;
    if (kind_ == TraceKind::kLevel) {
      if (level_[i]) shortfall[i] += std::max(0.0, *level_[i] - running * target_[i]) * dt;
      continue;
    }
    // dB/dt = arrivals - drain while the queue is not empty; it stays empty once drained
    // faster than items arrive.
    const double b0 = backlog_[i];
    const double net = arrivals_[i] - drain_rate_ * running;
    const double b1 = b0 + net * dt;
    if (b1 >= 0) {
      shortfall[i] += (b0 + b1) / 2 * dt;
      backlog_[i] = b1;
    } else {
      const double empty_after = b0 / -net;
      shortfall[i] += b0 * empty_after / 2;
      backlog_[i] = 0;
    }
  }
}

bool DemandModel::Moving() const {
  if (kind_ == TraceKind::kLevel) return false;
  for (size_t i = 0; i < backlog_.size(); ++i) {
    if (backlog_[i] > 0 || arrivals_[i] > 0) return true;
  }
  return false;
}

}  // namespace microscale::simulate
