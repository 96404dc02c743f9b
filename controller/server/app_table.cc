#include "controller/server/app_table.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace microscale {

void AppTable::Upsert(const AppSpec& spec, absl::Time created, absl::Time now) {
  absl::MutexLock lock(&mu_);
  AppEntry& entry = apps_[spec.name];
  bool is_new = entry.spec.name.empty();
  entry.spec = spec;
  if (is_new) entry.created = created;
  core::DesiredResult result =
      core::ComputeDesired(spec, core::DemandReading::None(), entry.desired_state, now);
  if (result.desired != entry.desired || is_new) entry.reaction_since = now;
  entry.desired = result.desired;
  entry.desired_state = result.state;
  NoteTransitions(entry, now);
}

void AppTable::NoteTransitions(AppEntry& entry, absl::Time now) {
  const v1::AppStatus current = StatusOf(entry);
  for (const v1::Condition& c : current.conditions()) {
    auto& [status, since] = entry.condition_since[c.type()];
    if (status != c.status()) {
      status = c.status();
      since = now;
    }
  }
}

void AppTable::Remove(const std::string& name) {
  absl::MutexLock lock(&mu_);
  apps_.erase(name);
}

void AppTable::SetNextOrdinal(const std::string& name, int64_t next) {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(name);
  if (it != apps_.end() && next > it->second.next_ordinal) it->second.next_ordinal = next;
}

void AppTable::SetCrashLoop(const std::string& name, std::optional<CrashLoop> loop,
                            absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(name);
  if (it == apps_.end()) return;
  it->second.crash_loop = std::move(loop);
  NoteTransitions(it->second, now);
}

void AppTable::SeedDesired(const std::string& name, int32_t count, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(name);
  if (it == apps_.end() || it->second.demand || it->second.consecutive_failures > 0) return;
  AppEntry& entry = it->second;
  core::DesiredState seeded = entry.desired_state;
  seeded.last = count;
  core::DesiredResult result =
      core::ComputeDesired(entry.spec, core::DemandReading::None(), seeded, now);
  entry.desired = result.desired;
  entry.desired_state = result.state;
  NoteTransitions(entry, now);
}

ReadingOutcome AppTable::ApplyReading(const std::string& name, const absl::StatusOr<double>& value,
                                      absl::Time now, std::optional<double> arrivals_total) {
  absl::MutexLock lock(&mu_);
  ReadingOutcome outcome;
  auto it = apps_.find(name);
  if (it == apps_.end()) return outcome;
  AppEntry& entry = it->second;
  outcome.known_app = true;
  const bool had_demand = entry.demand.has_value();
  core::DemandReading reading;
  if (value.ok()) {
    outcome.recovered = entry.consecutive_failures > 0;
    entry.demand = *value;
    entry.last_error.clear();
    entry.consecutive_failures = 0;
    // Queue mode reads the backlog against the containers that drain it, those of the last
    // reconcile pass, and those ordered and not yet running: the pass counted only what
    // agents reported starting before it, not the starts it ordered itself.
    const core::AppAllocation& a = entry.allocation;
    reading = core::DemandReading::Value(
        *value, a.running, std::max(a.starting, a.allocated - a.running), a.running_since);
    reading.arrivals_total = arrivals_total;
  } else {
    outcome.became_failing = entry.consecutive_failures == 0;
    entry.last_error = std::string(value.status().message());
    ++entry.consecutive_failures;
    reading = core::DemandReading::Failure();
  }
  // A settled value may have been held rather than read: it counts as read until the last
  // read that its interval would have made before this one.
  if (entry.settled) {
    const absl::Time last_due = now - absl::Seconds(entry.spec.demand.interval_seconds);
    entry.desired_state = core::HoldUntil(std::move(entry.desired_state), last_due);
  }
  core::DesiredResult result = core::ComputeDesired(entry.spec, reading, entry.desired_state, now);
  entry.settled = core::IsSettled(entry.spec, reading, result);
  outcome.settled = entry.settled;
  outcome.old_desired = entry.desired;
  outcome.new_desired = result.desired;
  outcome.desired_changed = result.desired != entry.desired;
  if (outcome.desired_changed) entry.reaction_since = now;
  entry.desired = result.desired;
  entry.desired_state = result.state;
  entry.arrival_rate = result.arrival_rate;
  entry.drain_rate_per_container = result.drain_rate_per_container;
  entry.arrivals_counted = result.arrivals_counted;
  outcome.arrival_rate = result.arrival_rate;
  outcome.drain_rate = result.drain_rate_per_container;
  if (value.ok()) entry.forecast = result.forecast;
  // A read can turn a condition only by what it changes: whether demand was ever read,
  // whether reads fail, and the desired count. Most reads change none of them (a static
  // source is read every interval), and building the status for each cost a tenth of an
  // idle controller's CPU with 10,000 apps.
  if (outcome.desired_changed || outcome.recovered || outcome.became_failing ||
      had_demand != entry.demand.has_value()) {
    NoteTransitions(entry, now);
  }
  return outcome;
}

std::optional<AppEntry> AppTable::Get(const std::string& name) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = apps_.find(name);
  if (it == apps_.end()) return std::nullopt;
  return it->second;
}

bool AppTable::Contains(const std::string& name) const {
  absl::ReaderMutexLock lock(&mu_);
  return apps_.contains(name);
}

size_t AppTable::Size() const {
  absl::ReaderMutexLock lock(&mu_);
  return apps_.size();
}

std::vector<AppEntry> AppTable::List() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<AppEntry> out;
  out.reserve(apps_.size());
  for (const auto& [name, entry] : apps_) out.push_back(entry);
  return out;
}

void AppTable::Visit(absl::FunctionRef<void(const AppEntry&)> visit) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [name, entry] : apps_) visit(entry);
}

std::vector<core::AppInput> AppTable::Inputs() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<core::AppInput> out;
  out.reserve(apps_.size());
  for (const auto& [name, entry] : apps_) {
    out.push_back(core::AppInput{entry.spec, entry.desired, entry.next_ordinal});
  }
  return out;
}

std::vector<std::pair<std::string, absl::Duration>> AppTable::RecordAllocations(
    const std::vector<core::AppAllocation>& allocations, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, absl::Duration>> reactions;
  for (const core::AppAllocation& allocation : allocations) {
    auto it = apps_.find(allocation.app);
    if (it == apps_.end()) continue;
    AppEntry& entry = it->second;
    // Conditions follow the allocation and what the other setters change (they note their
    // own transitions): an allocation as before turns none. Building every app's status on
    // every pass cost a fifth of a pass's CPU with 10,000 apps.
    const bool allocation_changed = !(entry.allocation == allocation);
    entry.allocation = allocation;
    if (allocation.next_ordinal > entry.next_ordinal) entry.next_ordinal = allocation.next_ordinal;
    // Demand is served by ready containers: the reaction ends when the allocation is ready.
    bool settled = allocation.ready == allocation.allocated && allocation.starting == 0 &&
                   allocation.allocated == allocation.desired;
    if (entry.reaction_since && settled) {
      reactions.emplace_back(allocation.app, now - *entry.reaction_since);
      entry.reaction_since.reset();
    }
    if (allocation_changed) NoteTransitions(entry, now);
  }
  return reactions;
}

namespace {

v1::Condition MakeCondition(std::string type, bool ok, std::string reason, std::string message) {
  v1::Condition c;
  c.set_type(std::move(type));
  c.set_status(ok ? "True" : "False");
  c.set_reason(std::move(reason));
  c.set_message(std::move(message));
  return c;
}

}  // namespace

v1::AppStatus StatusOf(const AppEntry& entry) {
  v1::AppStatus status;
  if (entry.demand) status.set_demand(*entry.demand);
  status.set_desired(entry.desired);
  status.set_allocated(entry.allocation.allocated);
  status.set_running(entry.allocation.running);
  status.set_ready(entry.allocation.ready);
  status.set_paused(entry.allocation.paused);
  status.set_standby(entry.allocation.standby);
  if (entry.arrival_rate) {
    status.set_arrival_rate(*entry.arrival_rate);
    status.set_arrivals_counted(entry.arrivals_counted);
  }
  if (entry.drain_rate_per_container) {
    status.set_drain_rate_per_container(*entry.drain_rate_per_container);
  }
  if (entry.forecast) status.set_forecast(*entry.forecast);
  if (entry.consecutive_failures > 0) {
    *status.add_conditions() = MakeCondition(
        "DemandAvailable", false, "ReadFailed",
        absl::StrCat(entry.consecutive_failures, " failed read(s): ", entry.last_error));
  } else if (entry.demand) {
    *status.add_conditions() = MakeCondition("DemandAvailable", true, "ReadSucceeded",
                                             absl::StrCat("last read ", *entry.demand));
  } else {
    v1::Condition c = MakeCondition("DemandAvailable", false, "NotReadYet", "no read yet");
    c.set_status("Unknown");
    *status.add_conditions() = c;
  }
  const core::AppAllocation& a = entry.allocation;
  if (a.allocated < entry.desired && a.selectable_nodes == 0) {
    std::vector<std::string> pairs;
    for (const auto& [key, value] : entry.spec.node_selector) {
      pairs.push_back(absl::StrCat(key, "=", value));
    }
    *status.add_conditions() = MakeCondition(
        "CapacityAvailable", false, "NoMatchingNode",
        absl::StrCat("no Ready, uncordoned node has the labels ", absl::StrJoin(pairs, ","),
                     " that spec.nodeSelector asks for (agents take labels with --labels)"));
  } else if (a.allocated < entry.desired) {
    *status.add_conditions() =
        MakeCondition("CapacityAvailable", false, "InsufficientCapacity",
                      absl::StrCat("the cluster grants ", a.allocated, " of ", entry.desired,
                                   " wanted containers (higher priorities or capacity limit)"));
  } else {
    *status.add_conditions() =
        MakeCondition("CapacityAvailable", true, "Allocated", "every wanted container fits");
  }
  if (entry.crash_loop.has_value()) {
    const CrashLoop& loop = *entry.crash_loop;
    *status.add_conditions() = MakeCondition(
        "CrashLoopBackOff", true, "ExitedSoonAfterStart",
        absl::StrCat(loop.instance, " exited with code ", loop.exit_code, " after ",
                     absl::FormatDuration(absl::Trunc(loop.ran, absl::Seconds(1))), " (crash ",
                     loop.crashes, " in a row); starts wait ", absl::FormatDuration(loop.delay),
                     " after each crash, until ",
                     absl::FormatTime("%H:%M:%S UTC", loop.until, absl::UTCTimeZone())));
  }
  bool scaled = a.running == a.allocated && a.starting == 0;
  *status.add_conditions() = MakeCondition(
      "Scaled", scaled, scaled ? "AtAllocation" : "Converging",
      absl::StrCat(a.running, " running, ", a.starting, " starting, ", a.allocated, " allocated"));
  for (v1::Condition& c : *status.mutable_conditions()) {
    auto it = entry.condition_since.find(c.type());
    if (it != entry.condition_since.end() && it->second.first == c.status()) {
      c.set_last_transition_unix_ms(absl::ToUnixMillis(it->second.second));
    }
  }
  return status;
}

}  // namespace microscale
