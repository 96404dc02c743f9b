#include "controller/demand/rabbitmq_source.h"

#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/strings.h"
#include "controller/demand/source_error.h"

namespace microscale {

using demand_internal::SourceError;

namespace {

using nlohmann::json;

// A message count of the queue's answer: a whole number >= 0.
absl::StatusOr<double> QueueCount(const json& queue, const char* field) {
  auto it = queue.find(field);
  if (it == queue.end()) {
    return SourceError(
        "rabbitmq",
        absl::StrCat(
            "the answer has no ", field,
            " yet (RabbitMQ publishes a queue's counts every collect_statistics_interval)"));
  }
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
    return SourceError("rabbitmq", absl::StrCat(field, " is not a count (got ", it->dump(), ")"));
  }
  return it->get<double>();
}

std::string Describe(const RabbitMqDemand& spec) {
  return absl::StrCat("queue \"", spec.queue, "\" in vhost \"", spec.vhost, "\"");
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

absl::StatusOr<double> ParseRabbitMqQueue(int http_status, std::string_view body,
                                          const RabbitMqDemand& spec) {
  if (http_status == 401) {
    return SourceError("rabbitmq", absl::StrCat("HTTP 401: the management API refused user \"",
                                                spec.username, "\" (check username and password)"));
  }
  if (http_status == 404) {
    return SourceError("rabbitmq", absl::StrCat("HTTP 404: ", Describe(spec), " not found"));
  }
  if (http_status != 200) {
    std::string message = absl::StrCat("rabbitmq: the management API answered HTTP ", http_status,
                                       " for ", Describe(spec));
    if (http_status >= 500) return absl::UnavailableError(message);
    return absl::FailedPreconditionError(message);
  }
  json queue = json::parse(body, nullptr, false);
  if (queue.is_discarded() || !queue.is_object()) {
    return SourceError("rabbitmq",
                       absl::StrCat("the answer about ", Describe(spec), " is not a JSON object"));
  }
  absl::StatusOr<double> ready = QueueCount(queue, "messages_ready");
  if (!ready.ok()) return ready.status();
  absl::StatusOr<double> unacknowledged = QueueCount(queue, "messages_unacknowledged");
  if (!unacknowledged.ok()) return unacknowledged.status();
  const double total = *ready + *unacknowledged;
  if (!std::isfinite(total))
    return SourceError("rabbitmq", "the message counts are too large to add");
  return total;
}

absl::StatusOr<std::unique_ptr<RabbitMqDemandSource>> RabbitMqDemandSource::Create(
    const RabbitMqDemand& spec, absl::Duration timeout) {
  absl::StatusOr<demand_internal::HttpTarget> target =
      demand_internal::ParseHttpTarget(spec.url, "demand.rabbitmq.url");
  if (!target.ok()) return target.status();
  if (spec.vhost.empty()) return absl::InvalidArgumentError("demand.rabbitmq.vhost is empty");
  if (spec.queue.empty()) return absl::InvalidArgumentError("demand.rabbitmq.queue is empty");
  return std::unique_ptr<RabbitMqDemandSource>(new RabbitMqDemandSource(spec, *target, timeout));
}

RabbitMqDemandSource::RabbitMqDemandSource(const RabbitMqDemand& spec,
                                           const demand_internal::HttpTarget& target,
                                           absl::Duration timeout)
    : spec_(spec),
      // A URL with a path (a management API behind a proxy prefix) keeps it.
      path_(absl::StrCat(absl::StripSuffix(target.path, "/"), "/api/queues/",
                         PercentEncode(spec.vhost), "/", PercentEncode(spec.queue))),
      client_(std::make_unique<httplib::Client>(target.origin)) {
  demand_internal::ConfigureClient(*client_, timeout);
  client_->set_basic_auth(spec.username, spec.password);
}

RabbitMqDemandSource::~RabbitMqDemandSource() = default;

absl::StatusOr<double> RabbitMqDemandSource::Read(absl::Time) {
  absl::StatusOr<demand_internal::HttpAnswer> answer =
      demand_internal::GetAnswer(*client_, path_, {}, "rabbitmq", spec_.url);
  if (!answer.ok()) return answer.status();
  return ParseRabbitMqQueue(answer->status, answer->body, spec_);
}

}  // namespace microscale
