// Fuzzes the parsers of demand-source answers: ParsePrometheusAnswer (the body of
// /api/v1/query with an HTTP status), ParseRabbitMqQueue (a management API answer about a
// queue, with an HTTP status), ParseNatsJsz (a NATS /jsz?consumers=true answer, with an HTTP
// status), ExtractJsonNumber (an RFC 6901 pointer into an
// HTTP-JSON answer), LlenReplyValue, StreamGroupFromReply and EntriesAfter (Redis replies,
// as hiredis's reader cuts them from the bytes of a connection). The first input byte picks
// the HTTP status; for HTTP-JSON the rest is "<pointer>\n<body>"; for Redis the rest is the
// stream of replies. Nothing may crash or throw; beyond that:
//  - an accepted demand is a finite number (and for a Redis list length, >= 0);
//  - the bytes read as an external scaler's GetMetricsResponse (SumMetricValues) give a
//    finite demand >= 0 or FailedPrecondition with a message;
//  - a RabbitMQ demand (and a NATS consumer's, from a /jsz answer) is a count >= 0 from a 200
//    answer; refusals are FailedPrecondition (Unavailable for 5xx) with a message;
//  - a stream group's pending and lag are >= 0, and it has a last-delivered-id; the
//    entries counted after an id are at most those in the reply;
//  - a refused Prometheus answer is FailedPrecondition or Unavailable (5xx) with a
//    message, and any non-200 answer is refused;
//  - a pointer CheckJsonPointer refuses is refused by ExtractJsonNumber as InvalidArgument;
//    other refusals are FailedPrecondition with a message;
//  - the HTTP-JSON number survives a round trip: the same pointer into the document
//    written back by nlohmann::json gives the same number.
#include <hiredis/hiredis.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "controller/demand/external_source.h"
#include "controller/demand/http_json_source.h"
#include "controller/demand/nats_source.h"
#include "controller/demand/prometheus_source.h"
#include "controller/demand/rabbitmq_source.h"
#include "controller/demand/redis_list_source.h"
#include "controller/demand/redis_stream_source.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using microscale::fuzz::FuzzCheck;

constexpr int kStatuses[] = {200, 200, 200, 200, 0, 400, 404, 422, 500, 503};

void CheckPrometheus(int http_status, std::string_view body, std::string_view input) {
  absl::StatusOr<double> demand = microscale::ParsePrometheusAnswer(http_status, body);
  if (demand.ok()) {
    FuzzCheck(http_status == 200, "only a 200 answer holds a demand", input);
    FuzzCheck(std::isfinite(*demand), "a Prometheus demand is finite", input);
    return;
  }
  absl::StatusCode code = demand.status().code();
  FuzzCheck(
      code == absl::StatusCode::kFailedPrecondition ||
          (code == absl::StatusCode::kUnavailable && (http_status >= 500 || http_status == 0)),
      "a refused answer is FailedPrecondition, or Unavailable for 5xx", input);
  FuzzCheck(!demand.status().message().empty(), "a refusal says why", input);
}

// A queue's message count from an HTTP answer (RabbitMQ's management API, NATS's /jsz).
void CheckQueueCount(const absl::StatusOr<double>& demand, int http_status,
                     std::string_view input) {
  if (demand.ok()) {
    FuzzCheck(http_status == 200, "only a 200 answer holds a queue's count", input);
    FuzzCheck(std::isfinite(*demand) && *demand >= 0, "a queue's demand is a count", input);
    return;
  }
  absl::StatusCode code = demand.status().code();
  FuzzCheck(code == absl::StatusCode::kFailedPrecondition ||
                (code == absl::StatusCode::kUnavailable && http_status >= 500),
            "a refused queue answer is FailedPrecondition, or Unavailable for 5xx", input);
  FuzzCheck(!demand.status().message().empty(), "a refusal says why", input);
}

void CheckRabbitMq(int http_status, std::string_view body, std::string_view input) {
  const microscale::RabbitMqDemand spec{"http://127.0.0.1:15672", "/", "jobs", "guest", "guest"};
  CheckQueueCount(microscale::ParseRabbitMqQueue(http_status, body, spec), http_status, input);
}

// Both with no account named (every account is searched) and with one.
void CheckNats(int http_status, std::string_view body, std::string_view input) {
  microscale::NatsDemand spec{"http://127.0.0.1:8222", "ORDERS", "workers", ""};
  CheckQueueCount(microscale::ParseNatsJsz(http_status, body, spec), http_status, input);
  spec.account = "$G";
  CheckQueueCount(microscale::ParseNatsJsz(http_status, body, spec), http_status, input);
}

// The bytes as a GetMetricsResponse of a KEDA external scaler (protobuf wire format).
void CheckExternal(std::string_view bytes, std::string_view input) {
  // Invalid UTF-8 in a string field is a parse failure that protobuf also logs: keep it quiet.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  externalscaler::GetMetricsResponse response;
  if (!response.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  absl::StatusOr<double> demand = microscale::SumMetricValues(response);
  if (demand.ok()) {
    FuzzCheck(std::isfinite(*demand) && *demand >= 0, "an external demand is finite and >= 0",
              input);
  } else {
    FuzzCheck(demand.status().code() == absl::StatusCode::kFailedPrecondition &&
                  !demand.status().message().empty(),
              "refused metrics are FailedPrecondition with a message", input);
  }
}

void CheckHttpJson(std::string_view rest, std::string_view input) {
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) return;
  const std::string pointer(rest.substr(0, eol));
  std::string_view body = rest.substr(eol + 1);
  absl::StatusOr<double> number = microscale::ExtractJsonNumber(body, pointer);
  if (!microscale::CheckJsonPointer(pointer).ok()) {
    FuzzCheck(number.status().code() == absl::StatusCode::kInvalidArgument,
              "a bad pointer is InvalidArgument", input);
    return;
  }
  if (!number.ok()) {
    FuzzCheck(number.status().code() == absl::StatusCode::kFailedPrecondition &&
                  !number.status().message().empty(),
              "a refused answer is FailedPrecondition with a message", input);
    return;
  }
  FuzzCheck(std::isfinite(*number), "an HTTP-JSON demand is finite", input);
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  absl::StatusOr<double> again = microscale::ExtractJsonNumber(document.dump(), pointer);
  FuzzCheck(again.ok() && *again == *number, "the number survives a round trip", input);
}

// The same reply read as XINFO GROUPS and as XRANGE.
void CheckRedisStream(const redisReply& reply, std::string_view input) {
  absl::StatusOr<microscale::StreamGroupState> group =
      microscale::StreamGroupFromReply(reply, "orders", "workers");
  if (group.ok()) {
    FuzzCheck(group->pending >= 0 && group->lag.value_or(0) >= 0,
              "a stream group's pending and lag are >= 0", input);
    FuzzCheck(!group->last_delivered_id.empty(), "a stream group has a last-delivered-id", input);
  } else {
    FuzzCheck(group.status().code() == absl::StatusCode::kFailedPrecondition &&
                  !group.status().message().empty(),
              "a refused XINFO GROUPS reply is FailedPrecondition with a message", input);
  }
  absl::StatusOr<int64_t> after = microscale::EntriesAfter(reply, "1-0");
  FuzzCheck(!after.ok() || (*after >= 0 && static_cast<size_t>(*after) <= reply.elements),
            "the entries after an id are at most those in the XRANGE reply", input);
  FuzzCheck(after.ok() || after.status().code() == absl::StatusCode::kFailedPrecondition,
            "a refused XRANGE reply is FailedPrecondition", input);
}

void CheckRedis(std::string_view stream, std::string_view input) {
  redisReader* reader = redisReaderCreate();
  if (redisReaderFeed(reader, stream.data(), stream.size()) == REDIS_OK) {
    void* reply = nullptr;
    while (redisReaderGetReply(reader, &reply) == REDIS_OK && reply != nullptr) {
      absl::StatusOr<double> length =
          microscale::LlenReplyValue(*static_cast<const redisReply*>(reply));
      FuzzCheck(!length.ok() || (std::isfinite(*length) && *length >= 0),
                "a Redis list length is a finite number >= 0", input);
      FuzzCheck(length.ok() || length.status().code() == absl::StatusCode::kFailedPrecondition,
                "a refused Redis reply is FailedPrecondition", input);
      CheckRedisStream(*static_cast<const redisReply*>(reply), input);
      freeReplyObject(reply);
      reply = nullptr;
    }
  }
  redisReaderFree(reader);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const int http_status =
      kStatuses[static_cast<unsigned char>(input[0]) % (sizeof(kStatuses) / sizeof(int))];
  std::string_view rest = input.substr(1);
  CheckPrometheus(http_status, rest, input);
  CheckRabbitMq(http_status, rest, input);
  CheckNats(http_status, rest, input);
  CheckExternal(rest, input);
  CheckHttpJson(rest, input);
  CheckRedis(rest, input);
  return 0;
}
