// CommandContext: what every microscalectl command runs with: where to print, the global
// options, and a ControlPlane client that dials the controller on first use (so commands
// that fail local checks never touch the network).
//
// Thread-safety: not thread-safe; one per command run.
#ifndef MICROSCALE_CLI_CONTEXT_H_
#define MICROSCALE_CLI_CONTEXT_H_

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cli/client.h"
#include "cli/output.h"
#include "common/tls/tls_credentials.h"
#include "grpcpp/grpcpp.h"
#include "microscale/v1/control_plane.grpc.pb.h"

namespace microscale::cli {

// The streams a run of the CLI uses. `out_is_terminal` turns on in-place progress lines.
struct CliIo {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  bool out_is_terminal = false;
};

struct GlobalOptions {
  std::string controller = "127.0.0.1:7400";
  OutputFormat output = OutputFormat::kTable;
  absl::Duration timeout = absl::Seconds(10);
  std::string token;  // --token: sent as `authorization: Bearer <token>` when not empty
  TlsFiles tls;       // --tls-ca / --tls-cert / --tls-key: all empty for plaintext
};

// The version of this microscalectl build, e.g. "0.1.0".
const char* ClientVersion();

class CommandContext {
 public:
  // `credentials` secure the channel (TLS); null means plaintext.
  CommandContext(const CliIo& io, GlobalOptions options,
                 std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

  std::ostream& out() { return io_.out; }
  std::ostream& err() { return io_.err; }
  std::istream& in() { return io_.in; }
  bool out_is_terminal() const { return io_.out_is_terminal; }
  const GlobalOptions& options() const { return options_; }

  // The client of the controller at options().controller; dials on the first call.
  ControlPlaneClient& client();

  // Prints "Error: " and the description of a failed request to err(); returns exit code 1.
  int Fail(const absl::Status& status);
  // Prints "Error: " + message to err(); returns exit code 1.
  int FailWith(const std::string& message);

 private:
  std::shared_ptr<grpc::Channel> FindLeader(std::vector<std::string> controllers,
                                            const grpc::ChannelArguments& args);

  const CliIo& io_;
  GlobalOptions options_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string address_;  // of the controller channel_ dials (the list when none answered)
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ControlPlane::Stub> stub_;
  std::optional<ControlPlaneClient> client_;
};

}  // namespace microscale::cli

#endif  // MICROSCALE_CLI_CONTEXT_H_
