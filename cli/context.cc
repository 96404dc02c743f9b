#include "cli/context.h"

#include <algorithm>
#include <ostream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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
    std::vector<std::string> controllers = absl::StrSplit(options_.controller, ',');
    if (controllers.size() == 1) {
      address_ = controllers.front();
      channel_ = grpc::CreateCustomChannel(address_, credentials_, args);
    } else {
      channel_ = FindLeader(controllers, args);
    }
    stub_ = v1::ControlPlane::NewStub(channel_);
    client_.emplace(*stub_, options_.timeout, options_.token);
  }
  return *client_;
}

// Of several controllers (a leader and standbys), the leader: each that accepts a connection
// is asked who leads, and a standby's answer names the leader, which is tried too. While
// none leads, the first that answered (a standby answers reads); when none answers, the
// first, so the error names the list.
std::shared_ptr<grpc::Channel> CommandContext::FindLeader(std::vector<std::string> controllers,
                                                          const grpc::ChannelArguments& args) {
  const absl::Duration wait = std::min(options_.timeout, absl::Seconds(2));
  std::shared_ptr<grpc::Channel> answered;
  std::string answered_address;
  for (size_t i = 0; i < controllers.size(); ++i) {
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(controllers[i], credentials_, args);
    if (!Connects(*channel, absl::Now() + wait)) continue;
    if (answered == nullptr) {
      answered = channel;
      answered_address = controllers[i];
    }
    std::unique_ptr<v1::ControlPlane::Stub> stub = v1::ControlPlane::NewStub(channel);
    absl::StatusOr<v1::VersionResponse> version =
        ControlPlaneClient(*stub, wait, options_.token).Version();
    if (!version.ok()) continue;
    // A controller that does not tell its role (an older one) is alone: the leader.
    if (version->role() != v1::STANDBY) {
      address_ = controllers[i];
      return channel;
    }
    const std::string& leader = version->leader();
    if (!leader.empty() &&
        std::find(controllers.begin(), controllers.end(), leader) == controllers.end()) {
      controllers.push_back(leader);  // its advertised address, not in the list given
    }
  }
  if (answered != nullptr) {
    address_ = answered_address;
    return answered;
  }
  address_ = options_.controller;  // none answered: the error names the whole list
  return grpc::CreateCustomChannel(controllers.front(), credentials_, args);
}

int CommandContext::Fail(const absl::Status& status) {
  // UNAVAILABLE on a connection that stands is the controller's own answer (a standby whose
  // etcd does not answer, say), not a controller out of reach: its message says why.
  if (status.code() == absl::StatusCode::kUnavailable && channel_ != nullptr &&
      channel_->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY) {
    return FailWith(
        absl::StrCat("the controller at ", address_, " cannot serve this now: ", status.message()));
  }
  return FailWith(DescribeFailure(status, options_.controller, options_.timeout));
}

int CommandContext::FailWith(const std::string& message) {
  io_.out.flush();
  io_.err << "Error: " << message << '\n';
  return 1;
}

}  // namespace microscale::cli
