// ExternalDemandSource: demand from any server of KEDA's public external scaler contract
// (the `externalscaler.ExternalScaler` gRPC service, proto/externalscaler), so every KEDA
// external scaler drives a Microscale app unchanged.
//
// GetMetricSpec is called once, for the metric names (again after the scaler could not be
// reached: it may have restarted with others). Every read then asks IsActive: false is a
// demand of 0; true sums GetMetrics over those names. Each call sends the app's name,
// namespace "microscale" and the manifest's `metadata` as the ScaledObjectRef, and has the
// source's timeout as its deadline. Answers over 4 MiB are refused. TLS is used when the
// manifest gives `tls` (the CA verifies the scaler; a client certificate is optional).
// Thread-safety: thread-compatible (the poller never overlaps reads of one source).
#ifndef MICROSCALE_CONTROLLER_DEMAND_EXTERNAL_SOURCE_H_
#define MICROSCALE_CONTROLLER_DEMAND_EXTERNAL_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "controller/demand/demand_source.h"
#include "externalscaler/externalscaler.grpc.pb.h"

namespace microscale {

// The demand in a GetMetrics answer: the sum of its values, each metricValueFloat when it is
// set and metricValue otherwise. A negative or non-finite value is refused.
absl::StatusOr<double> SumMetricValues(const externalscaler::GetMetricsResponse& response);

class ExternalDemandSource final : public DemandSource {
 public:
  // InvalidArgument if the address cannot be used or a TLS file cannot be read.
  static absl::StatusOr<std::unique_ptr<ExternalDemandSource>> Create(const std::string& app,
                                                                      const ExternalDemand& spec,
                                                                      absl::Duration timeout);

  absl::StatusOr<double> Read(absl::Time now) override;

 private:
  ExternalDemandSource(externalscaler::ScaledObjectRef ref, std::string address,
                       std::unique_ptr<externalscaler::ExternalScaler::Stub> stub,
                       absl::Duration timeout);

  // The status of a failed call of `method`: Unavailable when the scaler did not answer
  // (in time), FailedPrecondition with its code and message otherwise.
  absl::Status CallFailed(const char* method, const grpc::Status& status);
  void SetDeadline(grpc::ClientContext& context) const;

  externalscaler::ScaledObjectRef ref_;
  std::string address_;
  std::unique_ptr<externalscaler::ExternalScaler::Stub> stub_;
  absl::Duration timeout_;
  std::vector<std::string> metric_names_;  // from GetMetricSpec; empty until it answers
};

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_DEMAND_EXTERNAL_SOURCE_H_
