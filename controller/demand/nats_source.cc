#include "controller/demand/nats_source.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/strings.h"
#include "controller/demand/source_error.h"

namespace microscale {

using demand_internal::SourceError;

namespace {

using nlohmann::json;

// Names listed in a "not found" message; a server with more says how many there are.
constexpr size_t kNamesShown = 10;

// The elements of `object[key]` when it is a list; none otherwise.
const json& ListAt(const json& object, const char* key) {
  static const json kEmpty = json::array();
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

std::string NameOf(const json& item) {
  if (!item.is_object()) return "";
  auto it = item.find("name");
  return it != item.end() && it->is_string() ? it->get<std::string>() : "";
}

// "(streams: A, B)" or "(no streams)", at most kNamesShown names.
std::string NamesSeen(const std::vector<std::string>& names, std::string_view what) {
  if (names.empty()) return absl::StrCat("(no ", ToAbsl(what), ")");
  std::vector<std::string> shown(
      names.begin(), names.begin() + static_cast<ptrdiff_t>(std::min(names.size(), kNamesShown)));
  std::string more =
      names.size() > kNamesShown ? absl::StrCat(" and ", names.size() - kNamesShown, " more") : "";
  return absl::StrCat("(", ToAbsl(what), ": ", absl::StrJoin(shown, ", "), more, ")");
}

// A count of the consumer's answer: a whole number >= 0.
absl::StatusOr<double> ConsumerCount(const json& consumer, const char* field) {
  auto it = consumer.find(field);
  if (it == consumer.end()) return SourceError("nats", absl::StrCat("the consumer has no ", field));
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
    return SourceError("nats", absl::StrCat(field, " is not a count (got ", it->dump(), ")"));
  }
  return it->get<double>();
}

struct Found {
  const json* stream = nullptr;
  std::string account;
};

// The stream named by `spec` in the accounts of `answer`; refuses a name in more than one
// account unless spec names the account.
absl::StatusOr<Found> FindStream(const json& answer, const NatsDemand& spec) {
  std::vector<std::string> accounts;
  std::vector<std::string> streams;
  std::vector<Found> found;
  for (const json& account : ListAt(answer, "account_details")) {
    std::string account_name = NameOf(account);
    accounts.push_back(account_name);
    if (!spec.account.empty() && account_name != spec.account) continue;
    for (const json& stream : ListAt(account, "stream_detail")) {
      std::string name = NameOf(stream);
      streams.push_back(name);
      if (name == spec.stream) found.push_back({&stream, account_name});
    }
  }
  if (found.size() == 1) return found.front();
  if (found.size() > 1) {
    std::vector<std::string> in;
    for (const Found& f : found) in.push_back(f.account);
    return SourceError("nats",
                       absl::StrCat("stream \"", spec.stream, "\" is in more than one account ",
                                    NamesSeen(in, "accounts"), "; name one with account"));
  }
  if (!spec.account.empty() &&
      std::find(accounts.begin(), accounts.end(), spec.account) == accounts.end()) {
    return SourceError("nats",
                       absl::StrCat("account \"", spec.account, "\" has no JetStream streams here ",
                                    NamesSeen(accounts, "accounts")));
  }
  return SourceError("nats", absl::StrCat("stream \"", spec.stream, "\" not found ",
                                          NamesSeen(streams, "streams")));
}

}  // namespace

absl::StatusOr<double> ParseNatsJsz(int http_status, std::string_view body,
                                    const NatsDemand& spec) {
  if (http_status != 200) {
    std::string message = absl::StrCat("nats: the monitoring endpoint answered HTTP ", http_status);
    if (http_status >= 500) return absl::UnavailableError(message);
    return absl::FailedPreconditionError(message);
  }
  json answer = json::parse(body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) {
    return SourceError("nats", "the answer of /jsz is not a JSON object");
  }
  if (auto disabled = answer.find("disabled");
      disabled != answer.end() && disabled->is_boolean() && disabled->get<bool>()) {
    return SourceError("nats",
                       "JetStream is not enabled on this server (start nats-server with -js)");
  }
  absl::StatusOr<Found> found = FindStream(answer, spec);
  if (!found.ok()) return found.status();
  std::vector<std::string> consumers;
  for (const json& consumer : ListAt(*found->stream, "consumer_detail")) {
    std::string name = NameOf(consumer);
    if (name != spec.consumer) {
      consumers.push_back(name);
      continue;
    }
    absl::StatusOr<double> pending = ConsumerCount(consumer, "num_pending");
    if (!pending.ok()) return pending.status();
    absl::StatusOr<double> ack_pending = ConsumerCount(consumer, "num_ack_pending");
    if (!ack_pending.ok()) return ack_pending.status();
    const double total = *pending + *ack_pending;
    if (!std::isfinite(total))
      return SourceError("nats", "the pending counts are too large to add");
    return total;
  }
  return SourceError("nats",
                     absl::StrCat("consumer \"", spec.consumer, "\" of stream \"", spec.stream,
                                  "\" not found ", NamesSeen(consumers, "consumers")));
}

absl::StatusOr<std::unique_ptr<NatsDemandSource>> NatsDemandSource::Create(const NatsDemand& spec,
                                                                           absl::Duration timeout) {
  absl::StatusOr<demand_internal::HttpTarget> target =
      demand_internal::ParseHttpTarget(spec.monitor_url, "demand.nats.monitorUrl");
  if (!target.ok()) return target.status();
  if (spec.stream.empty()) return absl::InvalidArgumentError("demand.nats.stream is empty");
  if (spec.consumer.empty()) return absl::InvalidArgumentError("demand.nats.consumer is empty");
  return std::unique_ptr<NatsDemandSource>(new NatsDemandSource(spec, *target, timeout));
}

NatsDemandSource::NatsDemandSource(const NatsDemand& spec,
                                   const demand_internal::HttpTarget& target,
                                   absl::Duration timeout)
    : spec_(spec),
      // A URL with a path (a monitoring endpoint behind a proxy prefix) keeps it.
      path_(absl::StrCat(absl::StripSuffix(target.path, "/"), "/jsz?consumers=true")),
      client_(std::make_unique<httplib::Client>(target.origin)) {
  demand_internal::ConfigureClient(*client_, timeout);
}

NatsDemandSource::~NatsDemandSource() = default;

absl::StatusOr<double> NatsDemandSource::Read(absl::Time) {
  absl::StatusOr<demand_internal::HttpAnswer> answer =
      demand_internal::GetAnswer(*client_, path_, {}, "nats", spec_.monitor_url);
  if (!answer.ok()) return answer.status();
  return ParseNatsJsz(answer->status, answer->body, spec_);
}

}  // namespace microscale
