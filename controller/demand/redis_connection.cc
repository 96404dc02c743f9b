#include "controller/demand/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {

absl::StatusOr<RedisAddress> ParseRedisAddress(std::string_view address, int default_port,
                                               std::string_view field) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(field), " \"", ToAbsl(address), "\": ", ToAbsl(why)));
  };
  RedisAddress out{std::string(address), default_port};
  std::string_view port_text;
  if (address.starts_with("[")) {
    size_t close = address.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    out.host = std::string(address.substr(1, close - 1));
    std::string_view rest = address.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(":")) return bad("expected ':' after ']'");
    if (!rest.empty()) port_text = rest.substr(1);
  } else if (size_t colon = address.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(address.substr(0, colon));
    port_text = address.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) return bad("write IPv6 hosts as [host]:port");
  }
  if (out.host.empty()) return bad("no host");
  bool has_port = address.find(':') != std::string_view::npos && !address.ends_with("]");
  if (has_port &&
      (!absl::SimpleAtoi(ToAbsl(port_text), &out.port) || out.port < 1 || out.port > 65535)) {
    return bad("the port is not a number between 1 and 65535");
  }
  return out;
}

void RedisReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

std::string_view RedisErrorText(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ERROR || reply.str == nullptr) return {};
  return {reply.str, static_cast<size_t>(reply.len)};
}

RedisConnection::RedisConnection(std::string source, RedisAddress address, std::string password,
                                 int32_t database, absl::Duration timeout)
    : source_(std::move(source)),
      address_(std::move(address)),
      password_(std::move(password)),
      database_(database),
      timeout_(timeout) {}

RedisConnection::~RedisConnection() { Disconnect(); }

void RedisConnection::Disconnect() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

absl::Status RedisConnection::Connect() {
  context_ =
      redisConnectWithTimeout(address_.host.c_str(), address_.port, absl::ToTimeval(timeout_));
  if (context_ == nullptr || context_->err != 0) {
    std::string why = context_ != nullptr ? context_->errstr : "out of memory";
    Disconnect();
    return absl::UnavailableError(absl::StrCat(source_, ": cannot connect to ", address_.host, ":",
                                               address_.port, ": ", why));
  }
  redisSetTimeout(context_, absl::ToTimeval(timeout_));
  if (!password_.empty()) {
    if (absl::Status auth = Setup({"AUTH", password_}); !auth.ok()) return auth;
  }
  if (database_ != 0) return Setup({"SELECT", std::to_string(database_)});
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisConnection::RunOnce(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  RedisReply reply(static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) {
    std::string why = context_->errstr;
    Disconnect();
    return absl::UnavailableError(absl::StrCat(source_, ": connection failed: ", why));
  }
  return reply;
}

absl::Status RedisConnection::Setup(const std::vector<std::string_view>& args) {
  absl::StatusOr<RedisReply> reply = RunOnce(args);
  if (!reply.ok()) return reply.status();
  if (std::string_view error = RedisErrorText(**reply); !error.empty()) {
    Disconnect();  // a connection without its AUTH or SELECT must not be reused
    return absl::FailedPreconditionError(
        absl::StrCat(source_, ": ", ToAbsl(args.front()), " failed: ", ToAbsl(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisConnection::Run(std::initializer_list<std::string_view> args) {
  const std::vector<std::string_view> command(args);
  const bool reused = context_ != nullptr;
  if (!reused) {
    if (absl::Status connected = Connect(); !connected.ok()) return connected;
  }
  absl::StatusOr<RedisReply> reply = RunOnce(command);
  if (reused && absl::IsUnavailable(reply.status())) {
    // The server may have restarted: one fresh try.
    if (absl::Status connected = Connect(); !connected.ok()) return connected;
    reply = RunOnce(command);
  }
  return reply;
}

}  // namespace microscale
