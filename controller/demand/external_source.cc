#include "controller/demand/external_source.h"

#include <grpcpp/grpcpp.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/manifest/formats.h"
#include "common/strings.h"
#include "common/tls/tls_credentials.h"
#include "controller/demand/http_target.h"
#include "controller/demand/source_error.h"

namespace microscale {

using demand_internal::SourceError;

absl::StatusOr<double> SumMetricValues(const externalscaler::GetMetricsResponse& response) {
  double sum = 0;
  for (const externalscaler::MetricValue& metric : response.metricvalues()) {
    const double value = metric.metricvaluefloat() != 0 ? metric.metricvaluefloat()
                                                        : static_cast<double>(metric.metricvalue());
    if (!std::isfinite(value) || value < 0) {
      return SourceError("external", absl::StrCat("GetMetrics gave metric \"", metric.metricname(),
                                                  "\" the value ", value,
                                                  ", not a demand (a finite number >= 0)"));
    }
    sum += value;
  }
  if (!std::isfinite(sum))
    return SourceError("external", "GetMetrics gave values too large to add");
  return sum;
}

absl::StatusOr<std::unique_ptr<ExternalDemandSource>> ExternalDemandSource::Create(
    const std::string& app, const ExternalDemand& spec, absl::Duration timeout) {
  if (auto problem = manifest_internal::HostPortProblem(spec.address)) {
    return absl::InvalidArgumentError(absl::StrCat("demand.external.address: ", *problem));
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (spec.tls) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> tls =
        MakeChannelCredentials(TlsFiles{spec.tls->cert, spec.tls->key, spec.tls->ca});
    if (!tls.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("demand.external.tls: ", tls.status().message()));
    }
    credentials = *tls;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(demand_internal::kMaxAnswerBytes));
  // A scaler that restarts is read again within a second or two, not after gRPC's default
  // backoff of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel = grpc::CreateCustomChannel(spec.address, credentials, args);
  externalscaler::ScaledObjectRef ref;
  ref.set_name(app);
  ref.set_namespace_("microscale");
  ref.mutable_scalermetadata()->insert(spec.metadata.begin(), spec.metadata.end());
  return std::unique_ptr<ExternalDemandSource>(new ExternalDemandSource(
      std::move(ref), spec.address, externalscaler::ExternalScaler::NewStub(channel), timeout));
}

ExternalDemandSource::ExternalDemandSource(
    externalscaler::ScaledObjectRef ref, std::string address,
    std::unique_ptr<externalscaler::ExternalScaler::Stub> stub, absl::Duration timeout)
    : ref_(std::move(ref)),
      address_(std::move(address)),
      stub_(std::move(stub)),
      timeout_(timeout) {}

void ExternalDemandSource::SetDeadline(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
}

absl::Status ExternalDemandSource::CallFailed(const char* method, const grpc::Status& status) {
  // The source never cancels its own calls, so CANCELLED is a scaler shutting down with the
  // call in flight: as unavailable as one that does not answer.
  const char* why = nullptr;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      why = "did not answer";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      why = "did not answer within the timeout";
      break;
    case grpc::StatusCode::CANCELLED:
      why = "dropped the call";
      break;
    default:
      break;
  }
  if (why != nullptr) {
    metric_names_.clear();  // a scaler that comes back may have other metrics
    return absl::UnavailableError(absl::StrCat("external: the scaler at ", address_, " ", why, " (",
                                               method, ": ", status.error_message(), ")"));
  }
  // gRPC's codes are absl's, number for number.
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  return SourceError("external", absl::StrCat(method, " failed: ", absl::StatusCodeToString(code),
                                              ": ", status.error_message()));
}

absl::StatusOr<double> ExternalDemandSource::Read(absl::Time) {
  if (metric_names_.empty()) {
    grpc::ClientContext context;
    SetDeadline(context);
    externalscaler::GetMetricSpecResponse spec;
    grpc::Status status = stub_->GetMetricSpec(&context, ref_, &spec);
    if (!status.ok()) return CallFailed("GetMetricSpec", status);
    for (const externalscaler::MetricSpec& metric : spec.metricspecs()) {
      metric_names_.push_back(metric.metricname());
    }
    if (metric_names_.empty()) return SourceError("external", "GetMetricSpec named no metric");
  }
  {
    grpc::ClientContext context;
    SetDeadline(context);
    externalscaler::IsActiveResponse active;
    grpc::Status status = stub_->IsActive(&context, ref_, &active);
    if (!status.ok()) return CallFailed("IsActive", status);
    if (!active.result()) return 0.0;
  }
  double demand = 0;
  for (const std::string& name : metric_names_) {
    grpc::ClientContext context;
    SetDeadline(context);
    externalscaler::GetMetricsRequest request;
    *request.mutable_scaledobjectref() = ref_;
    request.set_metricname(name);
    externalscaler::GetMetricsResponse response;
    grpc::Status status = stub_->GetMetrics(&context, request, &response);
    if (!status.ok()) return CallFailed("GetMetrics", status);
    absl::StatusOr<double> sum = SumMetricValues(response);
    if (!sum.ok()) return sum.status();
    demand += *sum;
  }
  if (!std::isfinite(demand))
    return SourceError("external", "GetMetrics gave values too large to add");
  return demand;
}

}  // namespace microscale
