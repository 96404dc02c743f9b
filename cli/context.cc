#include "cli/context.h"

#include <algorithm>
#include <ostream>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cli/errors.h"

namespace microscale::cli {

const char* ClientVersion() { return MICROSCALE_CLI_VERSION; }

CommandContext::CommandContext(const CliIo& io, GlobalOptions options,
                               std::shared_ptr<grpc::ChannelCredentials> credentials)
    : io_(io), options_(std::move(options)), credentials_(std::move(credentials)) {
  if (credentials_ == nullptr) credentials_ = grpc::InsecureChannelCredentials();
}

namespace {

// Whether `channel` connects before `deadline` (a refused or failed connection: false).
bool Connects(grpc::Channel& channel, absl::Time deadline) {
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) return false;
    if (!channel.WaitForStateChange(state, absl::ToChronoTime(deadline))) return false;
    state = channel.GetState(/*try_to_connect=*/true);
  }
  return true;
}

}  // namespace

ControlPlaneClient& CommandContext::client() {
  if (!client_.has_value()) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);  // the app list of a big cluster
    // Of several controllers (a leader and standbys), the first that accepts a connection;
    // when none does, the first, so the error names the list.
    std::vector<std::string> controllers = absl::StrSplit(options_.controller, ',');
    for (const std::string& address : controllers) {
      channel_ = grpc::CreateCustomChannel(address, credentials_, args);
      if (controllers.size() == 1 ||
          Connects(*channel_, absl::Now() + std::min(options_.timeout, absl::Seconds(2)))) {
        break;
      }
      channel_.reset();
    }
    if (channel_ == nullptr) {
      channel_ = grpc::CreateCustomChannel(controllers.front(), credentials_, args);
    }
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
