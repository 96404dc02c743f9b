#include "controller/demand/prometheus_source.h"

#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "controller/demand/source_error.h"

namespace microscale {
namespace {

using nlohmann::json;

// The string at `key` of `object`; "" when absent or not a string (json::value would throw).
std::string StringAt(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

absl::Status Failed(std::string_view why) {
  return demand_internal::SourceError("prometheus", why);
}

// A sample is [timestamp, "value"]; Prometheus writes the value as a string.
absl::StatusOr<double> SampleValue(const json& sample) {
  if (!sample.is_array() || sample.size() != 2 || !sample[1].is_string()) {
    return Failed("a sample is not [time, \"value\"]");
  }
  std::string text = sample[1].get<std::string>();
  if (text == "NaN") return Failed("the query result is NaN");
  double value = 0;
  if (text == "+Inf" || text == "-Inf") return Failed("the query result is infinite");
  if (!absl::SimpleAtod(text, &value))
    return Failed(absl::StrCat("value \"", text, "\" is not a number"));
  // Other spellings ("inf", "nan", "1e999") still read as non-finite numbers.
  if (std::isnan(value)) return Failed("the query result is NaN");
  if (std::isinf(value)) return Failed("the query result is infinite");
  return value;
}

absl::StatusOr<double> VectorValue(const json& result) {
  if (!result.is_array()) return Failed("the vector result is not a list");
  if (result.empty()) return Failed("the query returned an empty result (no series matched)");
  if (result.size() > 1) {
    return Failed(absl::StrCat("the query returned ", result.size(),
                               " series; it must return one (aggregate it, e.g. with sum())"));
  }
  if (!result[0].is_object() || !result[0].contains("value"))
    return Failed("a series has no value");
  return SampleValue(result[0]["value"]);
}

absl::Status NonSuccess(int http_status, const json& answer) {
  std::string detail;
  if (std::string error = StringAt(answer, "error"); !error.empty()) {
    std::string type = StringAt(answer, "errorType");
    detail = absl::StrCat(": ", type.empty() ? "error" : type, ": ", error);
  }
  std::string message = absl::StrCat("prometheus answered HTTP ", http_status, detail);
  if (http_status >= 500 || http_status == 0) return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

}  // namespace

absl::StatusOr<double> ParsePrometheusAnswer(int http_status, std::string_view body) {
  json answer = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (http_status != 200) return NonSuccess(http_status, answer);
  if (answer.is_discarded() || !answer.is_object()) return Failed("the answer is not JSON");
  if (StringAt(answer, "status") != "success") return NonSuccess(http_status, answer);
  if (!answer.contains("data") || !answer["data"].is_object())
    return Failed("the answer has no data");
  const json& data = answer["data"];
  std::string type = StringAt(data, "resultType");
  if (!data.contains("result")) return Failed("the answer has no result");
  if (type == "scalar") return SampleValue(data["result"]);
  if (type == "vector") return VectorValue(data["result"]);
  return Failed(absl::StrCat("the query returned a ", type.empty() ? "result of no type" : type,
                             ", not a scalar or a one-sample vector"));
}

absl::StatusOr<std::unique_ptr<PrometheusDemandSource>> PrometheusDemandSource::Create(
    const PrometheusDemand& spec, absl::Duration timeout) {
  absl::StatusOr<demand_internal::HttpTarget> target =
      demand_internal::ParseHttpTarget(spec.url, "demand.prometheus.url");
  if (!target.ok()) return target.status();
  if (spec.query.empty()) return absl::InvalidArgumentError("demand.prometheus.query is empty");
  return std::unique_ptr<PrometheusDemandSource>(
      new PrometheusDemandSource(spec, *std::move(target), timeout));
}

PrometheusDemandSource::PrometheusDemandSource(const PrometheusDemand& spec,
                                               demand_internal::HttpTarget target,
                                               absl::Duration timeout)
    : spec_(spec),
      target_(std::move(target)),
      client_(std::make_unique<httplib::Client>(target_.origin)) {
  demand_internal::ConfigureClient(*client_, timeout);
}

PrometheusDemandSource::~PrometheusDemandSource() = default;

absl::StatusOr<double> PrometheusDemandSource::Read(absl::Time) {
  std::string path = target_.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  path += "/api/v1/query";
  absl::StatusOr<demand_internal::HttpAnswer> answer = demand_internal::GetAnswer(
      *client_, demand_internal::WithQuery(path, {{"query", spec_.query}}), {}, "prometheus",
      spec_.url);
  if (!answer.ok()) return answer.status();
  return ParsePrometheusAnswer(answer->status, answer->body);
}

}  // namespace microscale
