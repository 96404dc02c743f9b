// get apps | nodes | containers.
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/format_apps.h"
#include "cli/format_containers.h"
#include "cli/format_nodes.h"

namespace microscale::cli {
namespace {

int NotFound(CommandContext& context, const char* kind, const std::string& name) {
  return context.FailWith(absl::StrCat(kind, " \"", name, "\" not found"));
}

// Tables of nothing say so on stderr, like kubectl, so stdout stays parseable.
void PrintTable(CommandContext& context, int rows, const char* plural, const std::string& text) {
  if (rows == 0) {
    context.err() << "No " << plural << " found.\n";
    return;
  }
  context.out() << text;
}

// Keeps the items named `name` (all when it is empty), whatever filter the server applied.
template <typename Message, typename NameOf>
void KeepNamed(google::protobuf::RepeatedPtrField<Message>& items, const std::string& name,
               NameOf name_of) {
  if (name.empty()) return;
  google::protobuf::RepeatedPtrField<Message> kept;
  for (Message& item : items) {
    if (name_of(item) == name) *kept.Add() = std::move(item);
  }
  items.Swap(&kept);
}

bool Wide(const CommandContext& context) { return context.options().output == OutputFormat::kWide; }

}  // namespace

int RunGetApps(CommandContext& context, const std::string& name) {
  v1::GetAppsRequest request;
  request.set_name(name);
  auto response = context.client().GetApps(request);
  if (!response.ok()) {
    if (!name.empty() && response.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(context, "app", name);
    }
    return context.Fail(response.status());
  }
  KeepNamed(*response->mutable_apps(), name, [](const v1::App& a) { return a.spec().name(); });
  if (!name.empty() && response->apps().empty()) return NotFound(context, "app", name);
  if (IsStructured(context.options().output)) {
    PrintStructured(AppListJson(response->apps()), context.options().output, context.out());
  } else {
    PrintTable(context, response->apps_size(), "apps", AppsTable(response->apps(), Wide(context)));
  }
  return 0;
}

int RunGetNodes(CommandContext& context, const std::string& name) {
  v1::GetNodesRequest request;
  request.set_name(name);
  auto response = context.client().GetNodes(request);
  if (!response.ok()) {
    if (!name.empty() && response.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(context, "node", name);
    }
    return context.Fail(response.status());
  }
  KeepNamed(*response->mutable_nodes(), name, [](const v1::Node& n) { return n.name(); });
  if (!name.empty() && response->nodes().empty()) return NotFound(context, "node", name);
  if (IsStructured(context.options().output)) {
    PrintStructured(NodeListJson(response->nodes()), context.options().output, context.out());
  } else {
    PrintTable(context, response->nodes_size(), "nodes",
               NodesTable(response->nodes(), Wide(context), absl::Now()));
  }
  return 0;
}

int RunGetContainers(CommandContext& context, const std::string& app, const std::string& node,
                     const std::string& name) {
  v1::GetContainersRequest request;
  request.set_app(app);
  request.set_node(node);
  auto response = context.client().GetContainers(request);
  if (!response.ok()) return context.Fail(response.status());
  KeepNamed(*response->mutable_containers(), name,
            [](const v1::Container& c) { return c.instance(); });
  if (!name.empty() && response->containers().empty()) {
    return NotFound(context, "container", name);
  }
  if (IsStructured(context.options().output)) {
    PrintStructured(ContainerListJson(response->containers()), context.options().output,
                    context.out());
  } else {
    PrintTable(context, response->containers_size(), "containers",
               ContainersTable(response->containers(), Wide(context), absl::Now()));
  }
  return 0;
}

}  // namespace microscale::cli
