#include "cli/describe.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/format_apps.h"
#include "cli/format_containers.h"
#include "cli/output.h"
#include "cli/table.h"
#include "cli/time_format.h"
#include "common/quantity.h"

namespace microscale::cli {
namespace {

// "Key:" padded so values line up, as kubectl describe does.
void Field(std::string& out, const std::string& indent, const std::string& key,
           const std::string& value) {
  std::string label = absl::StrCat(indent, key, ":");
  if (label.size() < 22) label.resize(22, ' ');
  absl::StrAppend(&out, label, " ", value, "\n");
}

std::string Seconds(double seconds) { return absl::StrCat(FormatDemand(seconds), "s"); }

std::string SourceDetail(const v1::DemandSpec& demand) {
  const std::string& source = demand.source();
  if (source == "static") {
    return demand.has_value() ? absl::StrCat("value ", FormatDemand(demand.value()))
                              : "no value set";
  }
  if (source == "random") {
    return absl::StrCat("between ", FormatDemand(demand.random().min()), " and ",
                        FormatDemand(demand.random().max()), ", changes every ",
                        Seconds(demand.random().change_every_seconds()));
  }
  if (source == "prometheus") {
    return absl::StrCat(demand.prometheus().url(), " ", demand.prometheus().query());
  }
  if (source == "redis-list") {
    return absl::StrCat("LLEN ", demand.redis_list().key(), " at ", demand.redis_list().address());
  }
  if (source == "http-json") {
    return absl::StrCat(demand.http_json().url(), " ", demand.http_json().pointer());
  }
  if (source == "external") {
    return absl::StrCat("KEDA external scaler at ", demand.external().address(),
                        demand.external().has_tls() ? " (TLS)" : "");
  }
  if (source == "rabbitmq") {
    return absl::StrCat("ready + unacknowledged of queue ", demand.rabbitmq().queue(), " in vhost ",
                        demand.rabbitmq().vhost(), " at ", demand.rabbitmq().url());
  }
  if (source == "nats") {
    return absl::StrCat("pending + ack pending of consumer ", demand.nats().consumer(),
                        " on stream ", demand.nats().stream(), " at ", demand.nats().monitor_url());
  }
  if (source == "redis-stream") {
    return absl::StrCat("lag + pending of group ", demand.redis_stream().group(), " on ",
                        demand.redis_stream().key(), " at ", demand.redis_stream().address());
  }
  return "";
}

// "level", or "queue (backlog target 10)", "queue (target wait 2s, 1.5/s per container)".
std::string ModeDetail(const v1::DemandSpec& demand) {
  if (!demand.has_queue()) return "level";
  const v1::QueueSpec& queue = demand.queue();
  std::string target;
  if (queue.has_backlog_target()) {
    target = absl::StrCat("backlog target ", FormatDemand(queue.backlog_target()));
  } else if (queue.has_target_wait_seconds()) {
    target = absl::StrCat("target wait ", Seconds(queue.target_wait_seconds()));
  } else {
    target = "no target";
  }
  if (queue.has_per_container_rate()) {
    absl::StrAppend(&target, ", ", FormatDemand(queue.per_container_rate()), "/s per container");
  }
  return absl::StrCat("queue (", target, ")");
}

// "http 8080/tcp, 9100/tcp", with where they are published.
std::string PortsDetail(const v1::AppSpec& spec) {
  if (spec.ports().empty()) return "<none>";
  std::vector<std::string> ports;
  for (const v1::PortSpec& p : spec.ports()) {
    ports.push_back(
        absl::StrCat(p.name(), p.name().empty() ? "" : " ", p.container_port(), "/tcp"));
  }
  const char* where = spec.network() == "host"
                          ? " (the node's own ports: host network)"
                          : " (each on a host port from the node's --port-range)";
  return absl::StrCat(absl::StrJoin(ports, ", "), where);
}

// "30001->8080/tcp,30002->9100/tcp" as the container is published on its node.
std::string PublishedPorts(const v1::Container& c) {
  std::vector<std::string> ports;
  for (const v1::PublishedPort& p : c.ports()) {
    ports.push_back(absl::StrCat(p.host_port(), "->", p.container_port(), "/tcp"));
  }
  return ports.empty() ? "-" : absl::StrJoin(ports, ",");
}

void SpecSection(std::string& out, const v1::App& app, absl::Time now) {
  const v1::AppSpec& spec = app.spec();
  Field(out, "", "Name", spec.name());
  Field(out, "", "Labels", JoinPairs(spec.labels()));
  Field(out, "", "Created",
        app.created_unix_ms() == 0
            ? "<unknown>"
            : absl::StrCat(FormatRfc3339(app.created_unix_ms()), " (",
                           FormatAgeSince(app.created_unix_ms(), now), " ago)"));
  Field(out, "", "Priority", absl::StrCat(spec.priority()));
  Field(out, "", "Image", spec.image());
  Field(out, "", "Command",
        spec.command().empty() ? "<image default>" : absl::StrJoin(spec.command(), " "));
  Field(out, "", "Env", JoinPairs(spec.env()));
  Field(out, "", "Network", spec.network());
  Field(out, "", "Resources",
        absl::StrCat("cpu ", FormatCpuMillis(spec.resources().cpu_millis()), ", memory ",
                     FormatMemoryBytes(spec.resources().memory_bytes()), " per container"));
  Field(out, "", "Replicas",
        absl::StrCat("min ", spec.replicas().min(), ", max ", spec.replicas().max()));
  Field(out, "", "Preemptible",
        spec.preemptible() ? absl::StrCat("yes (", spec.preemption(), ")") : "no");
  Field(out, "", "Standby", absl::StrCat(spec.standby()));
  Field(out, "", "Stop Timeout", absl::StrCat(spec.stop_timeout_seconds(), "s"));
  Field(out, "", "Node Selector", JoinPairs(spec.node_selector()));
  Field(out, "", "Ports", PortsDetail(spec));
}

void DemandSection(std::string& out, const v1::DemandSpec& demand) {
  out += "Demand:\n";
  Field(out, "  ", "Source", absl::StrCat(demand.source(), " (", SourceDetail(demand), ")"));
  // Queue mode holds a backlog target instead: targetPerContainer and tolerance are not used.
  const char* level_only = demand.has_queue() ? " (not used in queue mode)" : "";
  Field(out, "  ", "Mode", ModeDetail(demand));
  Field(out, "  ", "Per Container",
        absl::StrCat(FormatDemand(demand.target_per_container()), level_only));
  Field(out, "  ", "Interval", Seconds(demand.interval_seconds()));
  Field(out, "  ", "Tolerance", absl::StrCat(FormatDemand(demand.tolerance()), level_only));
  Field(out, "  ", "Scale Down Delay", Seconds(demand.scale_down_delay_seconds()));
  Field(out, "  ", "Fallback",
        demand.has_fallback() ? absl::StrCat(demand.fallback().replicas(), " replicas after ",
                                             demand.fallback().after_failures(), " failures")
                              : "<none> (the last count holds)");
  Field(out, "  ", "Predictive",
        demand.has_predictive()
            ? absl::StrCat("horizon ", Seconds(demand.predictive().horizon_seconds()),
                           " (scales up on the forecast, never down)")
            : "<none>");
}

void StatusSection(std::string& out, const v1::AppStatus& status) {
  out += "Status:\n";
  Field(out, "  ", "Demand", status.has_demand() ? FormatDemand(status.demand()) : "<unknown>");
  Field(out, "  ", "Desired", absl::StrCat(status.desired()));
  Field(out, "  ", "Allocated", absl::StrCat(status.allocated()));
  Field(out, "  ", "Running", absl::StrCat(status.running()));
  Field(out, "  ", "Ready", absl::StrCat(status.ready()));
  Field(out, "  ", "Paused", absl::StrCat(status.paused()));
  Field(out, "  ", "Standby", absl::StrCat(status.standby()));
  if (status.has_arrival_rate()) {
    Field(out, "  ", "Arrival Rate",
          absl::StrCat(FormatDemand(status.arrival_rate()), "/s",
                       status.arrivals_counted() ? " (counted)" : " (from the backlog)"));
  }
  if (status.has_drain_rate_per_container()) {
    Field(out, "  ", "Drain Rate",
          absl::StrCat(FormatDemand(status.drain_rate_per_container()), "/s per container"));
  }
  if (status.has_forecast()) Field(out, "  ", "Forecast", FormatDemand(status.forecast()));
  out += "Conditions:\n";
  if (status.conditions().empty()) {
    out += "  <none>\n";
    return;
  }
  Table table({"TYPE", "STATUS", "REASON", "LAST TRANSITION", "MESSAGE"});
  for (const v1::Condition& c : status.conditions()) {
    table.AddRow({c.type(), c.status(), c.reason(), FormatRfc3339(c.last_transition_unix_ms()),
                  c.message()});
  }
  out += table.Render("  ");
}

void ContainersSection(std::string& out, const v1::DescribeAppResponse& response, absl::Time now) {
  out += "Containers:\n";
  if (response.containers().empty()) {
    out += "  <none>\n";
    return;
  }
  const bool ports = !response.app().spec().ports().empty();
  std::vector<std::string> header = {"INSTANCE", "NODE", "STATE", "AGE", "CONTAINER-ID"};
  if (ports) header.push_back("PORTS");
  Table table(std::move(header));
  for (const v1::Container& c : response.containers()) {
    std::vector<std::string> row = {c.instance(), c.node(), ContainerStateName(c.state()),
                                    FormatAgeSince(c.started_unix_ms(), now),
                                    c.container_id().substr(0, 12)};
    if (ports) row.push_back(PublishedPorts(c));
    table.AddRow(std::move(row));
  }
  out += table.Render("  ");
}

void EventsSection(std::string& out, const v1::DescribeAppResponse& response, absl::Time now) {
  out += "Events:\n";
  if (response.events().empty()) {
    out += "  <none>\n";
    return;
  }
  Table table({"AGE", "REASON", "MESSAGE"});
  for (const v1::Event& e : response.events()) {
    table.AddRow({FormatAgeSince(e.unix_ms(), now), e.kind(), e.message()});
  }
  out += table.Render("  ");
}

}  // namespace

std::string DescribeAppText(const v1::DescribeAppResponse& response, absl::Time now) {
  std::string out;
  SpecSection(out, response.app(), now);
  DemandSection(out, response.app().spec().demand());
  StatusSection(out, response.app().status());
  ContainersSection(out, response, now);
  EventsSection(out, response, now);
  return out;
}

}  // namespace microscale::cli
