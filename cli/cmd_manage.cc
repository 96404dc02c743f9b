// describe app, delete app, delete node, demand set, cordon / uncordon / drain.
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/describe.h"
#include "cli/format_apps.h"

namespace microscale::cli {

int RunDescribeApp(CommandContext& context, const std::string& name) {
  v1::DescribeAppRequest request;
  request.set_name(name);
  auto response = context.client().DescribeApp(request);
  if (!response.ok()) return context.Fail(response.status());
  context.out() << DescribeAppText(*response, absl::Now());
  return 0;
}

int RunDeleteApp(CommandContext& context, const std::string& name) {
  v1::DeleteAppRequest request;
  request.set_name(name);
  auto response = context.client().DeleteApp(request);
  if (!response.ok()) return context.Fail(response.status());
  context.out() << "app/" << name << " deleted\n";
  return 0;
}

int RunDeleteNode(CommandContext& context, const std::string& name) {
  v1::DeleteNodeRequest request;
  request.set_name(name);
  auto response = context.client().DeleteNode(request);
  if (!response.ok()) return context.Fail(response.status());
  context.out() << "node/" << name << " deleted";
  if (response->forgotten_instances() > 0) {
    context.out() << " (" << response->forgotten_instances() << " instance(s) forgotten)";
  }
  context.out() << '\n';
  return 0;
}

int RunSetDemand(CommandContext& context, const std::string& app, double value) {
  v1::SetDemandRequest request;
  request.set_app(app);
  request.set_value(value);
  auto response = context.client().SetDemand(request);
  if (!response.ok()) return context.Fail(response.status());
  context.out() << "app/" << app << " demand set to " << FormatDemand(value) << '\n';
  return 0;
}

int RunNodeAction(CommandContext& context, const std::string& node, NodeAction action) {
  v1::CordonRequest request;
  request.set_node(node);
  request.set_cordon(action != NodeAction::kUncordon);
  request.set_drain(action == NodeAction::kDrain);
  auto response = context.client().Cordon(request);
  if (!response.ok()) return context.Fail(response.status());
  const char* done = action == NodeAction::kCordon     ? "cordoned"
                     : action == NodeAction::kUncordon ? "uncordoned"
                                                       : "drained";
  context.out() << "node/" << node << ' ' << done << '\n';
  return 0;
}

}  // namespace microscale::cli
