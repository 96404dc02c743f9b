#include "controller/demand/redis_list_source.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {

absl::StatusOr<RedisAddress> ParseRedisAddress(std::string_view address, int default_port) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("demand.redisList.address \"", ToAbsl(address), "\": ", ToAbsl(why)));
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

absl::StatusOr<double> LlenReplyValue(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    // A list length is never negative; a server that says so is not Redis answering LLEN.
    if (reply.integer < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("redis-list: LLEN answered a negative length ", reply.integer));
    }
    return static_cast<double>(reply.integer);
  }
  if (reply.type == REDIS_REPLY_ERROR) {
    return absl::FailedPreconditionError(absl::StrCat(
        "redis-list: LLEN failed: ", absl::string_view(reply.str, static_cast<size_t>(reply.len))));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("redis-list: LLEN answered an unexpected reply of type ", reply.type));
}

absl::StatusOr<std::unique_ptr<RedisListDemandSource>> RedisListDemandSource::Create(
    const RedisListDemand& spec, absl::Duration timeout) {
  absl::StatusOr<RedisAddress> address = ParseRedisAddress(spec.address, 6379);
  if (!address.ok()) return address.status();
  if (spec.key.empty()) return absl::InvalidArgumentError("demand.redisList.key is empty");
  if (spec.database < 0) return absl::InvalidArgumentError("demand.redisList.database is negative");
  return std::unique_ptr<RedisListDemandSource>(
      new RedisListDemandSource(spec, *std::move(address), timeout));
}

RedisListDemandSource::RedisListDemandSource(const RedisListDemand& spec, RedisAddress address,
                                             absl::Duration timeout)
    : spec_(spec), address_(std::move(address)), timeout_(timeout) {}

RedisListDemandSource::~RedisListDemandSource() { Disconnect(); }

void RedisListDemandSource::Disconnect() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

absl::Status RedisListDemandSource::Connect() {
  context_ =
      redisConnectWithTimeout(address_.host.c_str(), address_.port, absl::ToTimeval(timeout_));
  if (context_ == nullptr || context_->err != 0) {
    std::string why = context_ != nullptr ? context_->errstr : "out of memory";
    Disconnect();
    return absl::UnavailableError(absl::StrCat("redis-list: cannot connect to ", address_.host, ":",
                                               address_.port, ": ", why));
  }
  redisSetTimeout(context_, absl::ToTimeval(timeout_));
  if (!spec_.password.empty()) {
    absl::Status auth = Command({"AUTH", spec_.password});
    if (!auth.ok()) return auth;
  }
  if (spec_.database != 0) return Command({"SELECT", std::to_string(spec_.database)});
  return absl::OkStatus();
}

absl::Status RedisListDemandSource::Command(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    std::string why = context_->errstr;
    Disconnect();
    return absl::UnavailableError(absl::StrCat("redis-list: connection failed: ", why));
  }
  absl::Status status;
  if (reply->type == REDIS_REPLY_ERROR) {
    status = absl::FailedPreconditionError(
        absl::StrCat("redis-list: ", ToAbsl(*args.begin()),
                     " failed: ", absl::string_view(reply->str, static_cast<size_t>(reply->len))));
    Disconnect();  // a connection without its AUTH or SELECT must not be reused
  }
  freeReplyObject(reply);
  return status;
}

absl::StatusOr<double> RedisListDemandSource::Llen() {
  const char* argv[] = {"LLEN", spec_.key.data()};
  size_t lengths[] = {4, spec_.key.size()};
  auto* reply = static_cast<redisReply*>(redisCommandArgv(context_, 2, argv, lengths));
  if (reply == nullptr) {
    std::string why = context_->errstr;
    Disconnect();
    return absl::UnavailableError(absl::StrCat("redis-list: connection failed: ", why));
  }
  absl::StatusOr<double> value = LlenReplyValue(*reply);
  freeReplyObject(reply);
  return value;
}

absl::StatusOr<double> RedisListDemandSource::Read(absl::Time) {
  bool reused = context_ != nullptr;
  if (!reused) {
    absl::Status connected = Connect();
    if (!connected.ok()) return connected;
  }
  absl::StatusOr<double> value = Llen();
  if (reused && absl::IsUnavailable(value.status())) {
    absl::Status connected = Connect();  // the server may have restarted: one fresh try
    if (!connected.ok()) return connected;
    value = Llen();
  }
  return value;
}

}  // namespace microscale
