#include "controller/server/listen.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/tls/tls_credentials.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace microscale {
namespace {

constexpr int kMaxReceivedMessageBytes = 4 << 20;
constexpr int kMaxSentMessageBytes = 64 << 20;

// No bandwidth-delay probes: gRPC may answer a message from an agent with a ping of its
// own, to size windows for bulk transfers these small messages never need. Without them a
// controller of 1,000 idle nodes used 0.09-0.11 cores instead of 0.16-0.17.
void SetGrpcLimits(grpc::ServerBuilder& builder) {
  builder.SetMaxReceiveMessageSize(kMaxReceivedMessageBytes);
  builder.SetMaxSendMessageSize(kMaxSentMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 64);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
}

}  // namespace

absl::Status RetryListen(const char* flag, const std::string& address,
                         const std::function<absl::Status()>& listen) {
  const absl::Time give_up = absl::Now() + kListenRetry;
  for (int attempt = 1;; ++attempt) {
    absl::Status s = listen();
    if (s.ok() || absl::Now() >= give_up) return s;
    if (attempt == 1) {
      LogWarn(
          "cannot listen yet; trying again for a few seconds (a controller that is "
          "stopping may still hold the port)",
          {{"flag", flag}, {"addr", address}, {"error", s}});
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
}

absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    const ControllerConfig& config, const std::vector<grpc::Service*>& services, int* port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config.tls.enabled()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
        MakeServerCredentials(config.tls);
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
  } else if (!IsLoopbackAddress(config.grpc_addr)) {
    LogWarn(
        "the gRPC port is open: no TLS (--insecure), so anyone who reaches it can join as "
        "an agent and, unless tokens exist, drive the cluster",
        {{"grpc", config.grpc_addr}});
  }
  std::unique_ptr<grpc::Server> server;
  absl::Status listening = RetryListen("grpc-addr", config.grpc_addr, [&]() -> absl::Status {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config.grpc_addr, credentials, port);
    for (grpc::Service* service : services) builder.RegisterService(service);
    SetGrpcLimits(builder);
    server = builder.BuildAndStart();
    if (server == nullptr || *port == 0) {
      server.reset();
      return absl::UnavailableError(absl::StrCat("cannot listen on --grpc-addr ", config.grpc_addr,
                                                 " (address in use or not local?)"));
    }
    return absl::OkStatus();
  });
  if (!listening.ok()) return listening;
  return server;
}

}  // namespace microscale
