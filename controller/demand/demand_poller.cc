#include "controller/demand/demand_poller.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "common/thread_name.h"
#include "controller/demand/static_source.h"

namespace microscale {
namespace {

// Stands in for a source that could not be built, so the failure is reported every tick.
class UnbuildableSource final : public DemandSource {
 public:
  explicit UnbuildableSource(absl::Status status) : status_(std::move(status)) {}
  absl::StatusOr<double> Read(absl::Time) override { return status_; }

 private:
  absl::Status status_;
};

}  // namespace

DemandPoller::DemandPoller(Callback callback, DemandPollerOptions options)
    : callback_(std::move(callback)),
      options_(std::move(options)),
      clock_(*options_.clock),
      pool_(options_.threads),
      scheduler_([this] {
        NameThisThread("demand-poller");
        Run();
      }) {}

DemandPoller::~DemandPoller() { Stop(); }

absl::Duration DemandPoller::Interval(const DemandSpec& spec) const {
  return std::max(absl::Seconds(spec.interval_seconds), options_.min_interval);
}

absl::Duration DemandPoller::Timeout(const DemandSpec& spec) const {
  if (spec.timeout_seconds <= 0) return options_.default_timeout;
  return absl::Seconds(spec.timeout_seconds);
}

DemandPoller::Entry DemandPoller::MakeEntry(const AppSpec& app, absl::Time now) {
  Entry entry;
  entry.spec = app.demand;
  entry.epoch = next_epoch_++;
  entry.next_due = now;
  absl::StatusOr<std::unique_ptr<DemandSource>> source = options_.factory(app);
  if (!source.ok()) {
    entry.source = std::make_shared<UnbuildableSource>(source.status());
    return entry;
  }
  entry.source = std::move(*source);
  entry.static_source = dynamic_cast<StaticDemandSource*>(entry.source.get());
  return entry;
}

void DemandPoller::Reconfigure(const std::vector<AppSpec>& apps,
                               const std::map<std::string, double>& static_values, absl::Time now) {
  for (const AppSpec& app : apps) {
    auto it = entries_.find(app.name);
    if (it != entries_.end() && it->second.spec == app.demand) {
      // A change of an app's other settings (its replicas, say) changes what its demand
      // decides: what was held is read again.
      Resume(it->second, now);
      continue;
    }
    Entry& entry = entries_[app.name] = MakeEntry(app, now);
    auto value = static_values.find(app.name);
    if (value != static_values.end() && entry.static_source != nullptr) {
      entry.static_source->SetValue(value->second);
    }
  }
}

void DemandPoller::UpdateApps(const std::vector<AppSpec>& apps,
                              const std::map<std::string, double>& static_values) {
  {
    absl::MutexLock lock(&mu_);
    Reconfigure(apps, static_values, clock_.Now());
    std::set<std::string> wanted;
    for (const AppSpec& app : apps) wanted.insert(app.name);
    std::erase_if(entries_, [&](const auto& item) { return !wanted.contains(item.first); });
    wake_.Signal();
  }
  // Waits out a delivery that checked its source before the change above.
  absl::MutexLock barrier(&deliver_mu_);
}

void DemandPoller::ChangeApps(const std::vector<AppSpec>& changed,
                              const std::vector<std::string>& removed) {
  {
    absl::MutexLock lock(&mu_);
    Reconfigure(changed, {}, clock_.Now());
    for (const std::string& name : removed) entries_.erase(name);
    wake_.Signal();
  }
  // Waits out a delivery that checked its source before the change above.
  absl::MutexLock barrier(&deliver_mu_);
}

absl::Status DemandPoller::SetStaticValue(std::string_view app, double value) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(std::string(app));
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("app \"", ToAbsl(app), "\" is not polled"));
  }
  if (it->second.static_source == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("app \"", ToAbsl(app), "\" does not use a static demand source"));
  }
  it->second.static_source->SetValue(value);
  it->second.next_due = clock_.Now();
  it->second.held = false;
  ++it->second.static_generation;
  wake_.Signal();
  return absl::OkStatus();
}

void DemandPoller::Hold(const DemandObservation& observation) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(observation.app);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  if (entry.static_source == nullptr || entry.static_generation != observation.static_generation) {
    return;
  }
  entry.held = true;
  entry.next_due = absl::InfiniteFuture();
}

void DemandPoller::Resume(Entry& entry, absl::Time now) {
  if (!entry.held) return;
  entry.held = false;
  ++entry.static_generation;
  entry.next_due = now;
}

void DemandPoller::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
  }
  if (scheduler_.joinable()) scheduler_.join();
  pool_.Stop();
}

void DemandPoller::Run() {
  while (true) {
    std::vector<std::pair<DemandObservation, uint64_t>> ready;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      absl::Time wake = Tick(clock_.Now(), ready);
      if (ready.empty()) {
        wake_.WaitWithTimeout(&mu_, std::max(wake - clock_.Now(), absl::ZeroDuration()));
        continue;
      }
    }
    absl::MutexLock deliver(&deliver_mu_);
    for (const auto& [observation, epoch] : ready) Deliver(observation, epoch);
  }
}

absl::Time DemandPoller::Tick(absl::Time now,
                              std::vector<std::pair<DemandObservation, uint64_t>>& ready) {
  absl::Time wake = absl::InfiniteFuture();
  for (auto& [app, e] : entries_) {
    auto fail = [&, &app = app, &e = e](const std::string& message) {
      ready.push_back({{app, e.spec.source, absl::DeadlineExceededError(message), now}, e.epoch});
    };
    if (e.in_flight && !e.deadline_reported && now >= e.read_deadline) {
      e.deadline_reported = true;
      fail(absl::StrCat("demand read of app \"", app, "\" did not answer within ",
                        absl::FormatDuration(Timeout(e.spec))));
    }
    if (now >= e.next_due && (!e.in_flight || e.deadline_reported)) {
      if (e.in_flight) {
        fail(absl::StrCat(
            "demand read of app \"", app, "\" is still running ",
            absl::FormatDuration(absl::Trunc(now - e.read_started, absl::Milliseconds(1))),
            " after it started"));
      } else if (e.static_source != nullptr) {
        // A static value is at hand: read here, with no hand-over to a pool thread (10,000
        // static apps are 10,000 reads a second).
        ready.push_back(
            {{app, e.spec.source, e.source->Read(now), now, e.static_generation, std::nullopt},
             e.epoch});
      } else {
        StartRead(app, e, now);
      }
      e.next_due += Interval(e.spec);
      if (e.next_due <= now) e.next_due = now + Interval(e.spec);
    }
    bool waiting_for_read = e.in_flight && !e.deadline_reported;
    wake = std::min(wake, waiting_for_read ? e.read_deadline : e.next_due);
  }
  return wake;
}

void DemandPoller::StartRead(const std::string& app, Entry& entry, absl::Time now) {
  entry.in_flight = true;
  entry.deadline_reported = false;
  entry.read_id = next_read_id_++;
  entry.read_started = now;
  entry.read_deadline = now + Timeout(entry.spec);
  pool_.Submit([this, app, epoch = entry.epoch, id = entry.read_id, source = entry.source] {
    const absl::Time began = clock_.Now();
    absl::StatusOr<double> value = source->Read(began);
    std::optional<double> arrivals = value.ok() ? source->ArrivalsTotal() : std::nullopt;
    FinishRead(app, epoch, id, arrivals, std::move(value), began);
  });
}

void DemandPoller::FinishRead(const std::string& app, uint64_t epoch, uint64_t read_id,
                              std::optional<double> arrivals_total, absl::StatusOr<double> value,
                              absl::Time began) {
  absl::MutexLock deliver(&deliver_mu_);
  // The source took its value somewhere between the request and its answer: the middle
  // stands for when. Stamped at the answer, a read that took 200 ms under load credited
  // the containers started meanwhile with drain its value did not show yet (queue mode's
  // first drain rate read 0.84 for 1 on a real dockerd; the same reads stamped as the
  // queue served them give 1.06).
  const absl::Time read_at = began + (clock_.Now() - began) / 2;
  DemandObservation observation{
      app, DemandSourceKind::kStatic, std::move(value), read_at, 0, arrivals_total};
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(app);
    if (stopping_ || it == entries_.end() || it->second.epoch != epoch ||
        it->second.read_id != read_id) {
      return;
    }
    Entry& entry = it->second;
    entry.in_flight = false;
    wake_.Signal();
    if (entry.deadline_reported) return;  // already reported as failed; drop the late result
    observation.source = entry.spec.source;
  }
  callback_(observation);
}

void DemandPoller::Deliver(const DemandObservation& observation, uint64_t epoch) {
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(observation.app);
    if (stopping_ || it == entries_.end() || it->second.epoch != epoch) return;
  }
  callback_(observation);
}

}  // namespace microscale
