#include "controller/server/controller_metrics.h"

namespace microscale {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

Histogram::BucketBoundaries LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 5, 10, 30};
}

}  // namespace

ControllerMetrics::ControllerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      demand_(BuildGauge()
                  .Name("microscale_app_demand")
                  .Help("Last demand read from the app's source, in demand units")
                  .Register(*registry_)),
      desired_(BuildGauge()
                   .Name("microscale_app_desired_containers")
                   .Help("Containers the app's demand asks for, within min and max")
                   .Register(*registry_)),
      allocated_(BuildGauge()
                     .Name("microscale_app_allocated_containers")
                     .Help("Containers the cluster's capacity grants the app by priority")
                     .Register(*registry_)),
      running_(BuildGauge()
                   .Name("microscale_app_running_containers")
                   .Help("Containers of the app that agents report running")
                   .Register(*registry_)),
      standby_(BuildGauge()
                   .Name("microscale_app_standby_containers")
                   .Help("Containers kept started-then-paused as warm standby")
                   .Register(*registry_)),
      paused_(BuildGauge()
                  .Name("microscale_app_paused_containers")
                  .Help("Containers of the app that are paused (standby or preempted)")
                  .Register(*registry_)),
      arrival_rate_(BuildGauge()
                        .Name("microscale_app_queue_arrival_rate")
                        .Help("Queue mode: estimated arrivals into the app's queue, items/s")
                        .Register(*registry_)),
      drain_rate_(BuildGauge()
                      .Name("microscale_app_queue_drain_rate")
                      .Help("Queue mode: estimated items/s one running container drains")
                      .Register(*registry_)),
      nodes_(BuildGauge().Name("microscale_nodes").Help("Nodes by state").Register(*registry_)),
      commands_(BuildCounter()
                    .Name("microscale_commands_total")
                    .Help("Commands sent to agents, by type and result")
                    .Register(*registry_)),
      source_errors_(BuildCounter()
                         .Name("microscale_demand_source_errors_total")
                         .Help("Failed reads of demand sources")
                         .Register(*registry_)),
      preemptions_(BuildCounter()
                       .Name("microscale_preemptions_total")
                       .Help("Containers of the app stopped or paused for a higher priority")
                       .Register(*registry_)),
      crashes_(BuildCounter()
                   .Name("microscale_app_container_crashes_total")
                   .Help("Containers of the app that exited within 10 minutes of their start")
                   .Register(*registry_)),
      crash_backoff_(BuildGauge()
                         .Name("microscale_app_crash_loop_backoff_seconds")
                         .Help("Crash-loop backoff: how long the app's starts wait after its "
                               "last crash; 0 when it is not crash-looping")
                         .Register(*registry_)),
      reconcile_duration_(BuildHistogram()
                              .Name("microscale_reconcile_duration_seconds")
                              .Help("Time of one reconcile pass")
                              .Register(*registry_)
                              .Add({}, LatencyBuckets())),
      command_latency_(BuildHistogram()
                           .Name("microscale_command_latency_seconds")
                           .Help("Time from sending a command to its result from the agent")
                           .Register(*registry_)
                           .Add({}, LatencyBuckets())),
      scale_reaction_(BuildHistogram()
                          .Name("microscale_scale_reaction_seconds")
                          .Help("Time from a demand change to the new count running")
                          .Register(*registry_)
                          .Add({}, LatencyBuckets())),
      store_write_duration_(BuildHistogram()
                                .Name("microscale_store_write_duration_seconds")
                                .Help("Time of one write to the state store (SQLite or etcd)")
                                .Register(*registry_)
                                .Add({}, LatencyBuckets())),
      store_errors_(BuildCounter()
                        .Name("microscale_store_errors_total")
                        .Help("State store calls that failed (the store, not the request), by "
                              "operation")
                        .Register(*registry_)),
      leader_(BuildGauge()
                  .Name("microscale_controller_leader")
                  .Help("1 while this controller leads, 0 on a standby")
                  .Register(*registry_)
                  .Add({})),
      leader_transitions_(BuildCounter()
                              .Name("microscale_leader_transitions_total")
                              .Help("Times this controller became the leader")
                              .Register(*registry_)
                              .Add({})),
      node_writes_queued_(BuildGauge()
                              .Name("microscale_node_writes_queued")
                              .Help("Commands of a pass for one node, queued for the node's "
                                    "stream and not written yet")
                              .Register(*registry_)
                              .Add({})) {}

void ControllerMetrics::CountStoreError(const char* op) {
  store_errors_.Add({{"op", op}}).Increment();
}

void ControllerMetrics::SetLeader(bool leading) {
  if (leading && leader_.Value() == 0) leader_transitions_.Increment();
  leader_.Set(leading ? 1 : 0);
}

void ControllerMetrics::SetAppFigures(const std::string& app, const AppFigures& f) {
  absl::MutexLock lock(&mu_);
  auto [it, added] = apps_.try_emplace(app);
  AppSeries& series = it->second;
  if (added || series.priority != f.priority) {
    const std::string old = std::to_string(series.priority);
    const std::string priority = std::to_string(f.priority);
    for (auto [family, gauge] :
         {std::pair{&desired_, &series.desired}, std::pair{&allocated_, &series.allocated},
          std::pair{&running_, &series.running}}) {
      if (!added) family->Remove(*gauge);
      *gauge = &family->Add({{"app", app}, {"priority", priority}});
    }
    series.priority = f.priority;
  }
  if (added) {
    series.standby = &standby_.Add({{"app", app}});
    series.paused = &paused_.Add({{"app", app}});
  }
  series.desired->Set(f.desired);
  series.allocated->Set(f.allocated);
  series.running->Set(f.running);
  series.standby->Set(f.standby);
  series.paused->Set(f.paused);
  SetDemandSeries(app, series, f.demand, f.arrival_rate, f.drain_rate, added);
}

void ControllerMetrics::SetDemandFigures(const std::string& app, double demand,
                                         std::optional<double> arrival_rate,
                                         std::optional<double> drain_rate) {
  absl::MutexLock lock(&mu_);
  // Only an app a pass has reported: a read that lands as its app is deleted must not
  // bring back the series ForgetApp removed.
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  SetDemandSeries(app, it->second, demand, arrival_rate, drain_rate, false);
}

void ControllerMetrics::SetDemandSeries(const std::string& app, AppSeries& series,
                                        std::optional<double> demand,
                                        std::optional<double> arrival_rate,
                                        std::optional<double> drain_rate, bool first) {
  if (demand.has_value() && series.demand_value != demand) {
    if (series.demand == nullptr) series.demand = &demand_.Add({{"app", app}});
    series.demand->Set(*demand);
    series.demand_value = demand;
  }
  if (!first && series.arrival_rate == arrival_rate && series.drain_rate == drain_rate) return;
  SetEstimates(app, arrival_rate, drain_rate);
  series.arrival_rate = arrival_rate;
  series.drain_rate = drain_rate;
}

void ControllerMetrics::SetEstimates(const std::string& app, std::optional<double> arrival_rate,
                                     std::optional<double> drain_rate) {
  // The estimates exist only once known: a series appears then, and goes with them.
  for (auto [family, value] :
       {std::pair{&arrival_rate_, arrival_rate}, std::pair{&drain_rate_, drain_rate}}) {
    if (value.has_value()) {
      family->Add({{"app", app}}).Set(*value);
    } else if (family->Has({{"app", app}})) {
      family->Remove(&family->Add({{"app", app}}));
    }
  }
}

void ControllerMetrics::CountCrash(const std::string& app, absl::Duration backoff) {
  absl::MutexLock lock(&mu_);
  crashes_.Add({{"app", app}}).Increment();
  crash_backoff_.Add({{"app", app}}).Set(absl::ToDoubleSeconds(backoff));
}

void ControllerMetrics::EndCrashLoop(const std::string& app) {
  absl::MutexLock lock(&mu_);
  if (crash_backoff_.Has({{"app", app}})) crash_backoff_.Add({{"app", app}}).Set(0);
}

void ControllerMetrics::ForgetApp(const std::string& app) {
  absl::MutexLock lock(&mu_);
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  const AppSeries& series = it->second;
  desired_.Remove(series.desired);
  allocated_.Remove(series.allocated);
  running_.Remove(series.running);
  standby_.Remove(series.standby);
  paused_.Remove(series.paused);
  if (series.demand != nullptr) demand_.Remove(series.demand);
  for (auto* family : {&arrival_rate_, &drain_rate_, &crash_backoff_}) {
    if (family->Has({{"app", app}})) family->Remove(&family->Add({{"app", app}}));
  }
  if (crashes_.Has({{"app", app}})) crashes_.Remove(&crashes_.Add({{"app", app}}));
  apps_.erase(it);
}

void ControllerMetrics::SetNodes(int ready, int not_ready, int cordoned) {
  nodes_.Add({{"state", "Ready"}}).Set(ready);
  nodes_.Add({{"state", "NotReady"}}).Set(not_ready);
  nodes_.Add({{"state", "Cordoned"}}).Set(cordoned);
}

void ControllerMetrics::CountCommand(const char* type, const char* result) {
  commands_.Add({{"type", type}, {"result", result}}).Increment();
}

void ControllerMetrics::CountSourceError(const std::string& app, const std::string& source) {
  source_errors_.Add({{"app", app}, {"source", source}}).Increment();
}

void ControllerMetrics::CountPreemptions(const std::string& app, int n) {
  if (n > 0) preemptions_.Add({{"app", app}}).Increment(n);
}

}  // namespace microscale
