#include "cli/context.h"

#include <ostream>
#include <utility>

#include "cli/errors.h"

namespace microscale::cli {

const char* ClientVersion() { return MICROSCALE_CLI_VERSION; }

CommandContext::CommandContext(const CliIo& io, GlobalOptions options,
                               std::shared_ptr<grpc::ChannelCredentials> credentials)
    : io_(io), options_(std::move(options)), credentials_(std::move(credentials)) {
  if (credentials_ == nullptr) credentials_ = grpc::InsecureChannelCredentials();
}

ControlPlaneClient& CommandContext::client() {
  if (!client_.has_value()) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);  // the app list of a big cluster
    channel_ = grpc::CreateCustomChannel(options_.controller, credentials_, args);
    stub_ = v1::ControlPlane::NewStub(channel_);
    client_.emplace(*stub_, options_.timeout, options_.token);
  }
  return *client_;
}

int CommandContext::Fail(const absl::Status& status) {
  return FailWith(DescribeFailure(status, options_.controller, options_.timeout));
}

int CommandContext::FailWith(const std::string& message) {
  io_.out.flush();
  io_.err << "Error: " << message << '\n';
  return 1;
}

}  // namespace microscale::cli
