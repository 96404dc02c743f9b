#include "controller/demand/http_json_source.h"

#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {
namespace {

using nlohmann::json;

absl::StatusOr<json::json_pointer> ParsePointer(const std::string& pointer) {
  try {
    return json::json_pointer(pointer);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("demand.httpJson.pointer \"", pointer,
                                                   "\" is not an RFC 6901 pointer: ", e.what()));
  }
}

}  // namespace

absl::Status CheckJsonPointer(const std::string& pointer) { return ParsePointer(pointer).status(); }

namespace {

absl::StatusOr<json> ParseAnswer(std::string_view body) {
  json document = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return absl::FailedPreconditionError("http-json: the answer is not JSON");
  }
  return document;
}

absl::StatusOr<double> NumberAt(const json& document, const std::string& pointer) {
  absl::StatusOr<json::json_pointer> where = ParsePointer(pointer);
  if (!where.ok()) return where.status();
  const json* found = nullptr;
  try {
    if (document.contains(*where)) found = &document.at(*where);
  } catch (const json::exception&) {
    found = nullptr;  // e.g. a non-numeric index into an array: nothing is there
  }
  if (found == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("http-json: the answer has nothing at pointer \"", pointer, "\""));
  }
  const json& value = *found;
  if (!value.is_number()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "http-json: the value at \"", pointer, "\" is a ", value.type_name(), ", not a number"));
  }
  double number = value.get<double>();
  if (!std::isfinite(number)) {
    return absl::FailedPreconditionError("http-json: the value is not a finite number");
  }
  return number;
}

}  // namespace

absl::StatusOr<double> ExtractJsonNumber(std::string_view body, const std::string& pointer) {
  // A pointer that can name nothing is refused as such whatever the answer.
  if (absl::Status checked = CheckJsonPointer(pointer); !checked.ok()) return checked;
  absl::StatusOr<json> document = ParseAnswer(body);
  if (!document.ok()) return document.status();
  return NumberAt(*document, pointer);
}

absl::StatusOr<std::unique_ptr<HttpJsonDemandSource>> HttpJsonDemandSource::Create(
    const HttpJsonDemand& spec, absl::Duration timeout) {
  absl::StatusOr<demand_internal::HttpTarget> target =
      demand_internal::ParseHttpTarget(spec.url, "demand.httpJson.url");
  if (!target.ok()) return target.status();
  absl::Status pointer = CheckJsonPointer(spec.pointer);
  if (!pointer.ok()) return pointer;
  if (spec.arrivals_pointer) {
    absl::Status arrivals = CheckJsonPointer(*spec.arrivals_pointer);
    if (!arrivals.ok()) return arrivals;
  }
  return std::unique_ptr<HttpJsonDemandSource>(
      new HttpJsonDemandSource(spec, *std::move(target), timeout));
}

HttpJsonDemandSource::HttpJsonDemandSource(const HttpJsonDemand& spec,
                                           demand_internal::HttpTarget target,
                                           absl::Duration timeout)
    : spec_(spec),
      target_(std::move(target)),
      client_(std::make_unique<httplib::Client>(target_.origin)) {
  demand_internal::ConfigureClient(*client_, timeout);
}

HttpJsonDemandSource::~HttpJsonDemandSource() = default;

absl::StatusOr<double> HttpJsonDemandSource::Read(absl::Time) {
  arrivals_total_.reset();
  std::string path = target_.path.empty() ? "/" : target_.path;
  if (!target_.query.empty()) absl::StrAppend(&path, "?", target_.query);
  absl::StatusOr<demand_internal::HttpAnswer> answer =
      demand_internal::GetAnswer(*client_, path, spec_.headers, "http-json", spec_.url);
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    std::string message = absl::StrCat("http-json: ", spec_.url, " answered HTTP ", answer->status);
    if (answer->status >= 500) return absl::UnavailableError(message);
    return absl::FailedPreconditionError(message);
  }
  absl::StatusOr<json> document = ParseAnswer(answer->body);
  if (!document.ok()) return document.status();
  absl::StatusOr<double> backlog = NumberAt(*document, spec_.pointer);
  if (!backlog.ok() || !spec_.arrivals_pointer) return backlog;
  // A configured counter that cannot be read fails the read: queue mode would otherwise go
  // on without it, and nobody would learn why it reacts as if there were none.
  absl::StatusOr<double> arrivals = NumberAt(*document, *spec_.arrivals_pointer);
  if (!arrivals.ok()) {
    return absl::Status(arrivals.status().code(),
                        absl::StrCat(arrivals.status().message(), " (arrivalsPointer)"));
  }
  if (*arrivals < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("http-json: the arrivals counter at \"", *spec_.arrivals_pointer,
                     "\" is negative (", *arrivals, "); it counts the items ever enqueued"));
  }
  arrivals_total_ = *arrivals;
  return backlog;
}

}  // namespace microscale
