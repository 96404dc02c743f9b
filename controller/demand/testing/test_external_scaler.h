// TestExternalScaler: a KEDA external scaler for tests, an in-process gRPC server on
// 127.0.0.1 serving externalscaler.ExternalScaler from the same .proto as the client. The
// test sets its answers (the metrics and their values, IsActive, an error to return, a delay
// before answering) and reads what it was sent. Header-only, for unit and e2e tests.
// Thread-safe: the setters and the gRPC handlers share one mutex.
#ifndef MICROSCALE_CONTROLLER_DEMAND_TESTING_TEST_EXTERNAL_SCALER_H_
#define MICROSCALE_CONTROLLER_DEMAND_TESTING_TEST_EXTERNAL_SCALER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "externalscaler/externalscaler.grpc.pb.h"

namespace microscale::testing {

class TestExternalScaler final : public externalscaler::ExternalScaler::Service {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port).
  explicit TestExternalScaler(int port = 0, std::shared_ptr<grpc::ServerCredentials> credentials =
                                                grpc::InsecureServerCredentials()) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), std::move(credentials), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~TestExternalScaler() override { Stop(); }
  TestExternalScaler(const TestExternalScaler&) = delete;
  TestExternalScaler& operator=(const TestExternalScaler&) = delete;

  // Stops serving (calls in flight are cut after a second).
  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_->Wait();
    server_.reset();
  }

  bool serving() const { return server_ != nullptr && port_ > 0; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // The metrics GetMetricSpec names and GetMetrics gives (by name); the value is sent as
  // metricValueFloat, or as the integer metricValue when `as_integer`.
  void SetMetrics(std::vector<std::pair<std::string, double>> metrics, bool as_integer = false) {
    absl::MutexLock lock(&mu_);
    metrics_ = std::move(metrics);
    as_integer_ = as_integer;
  }
  void SetActive(bool active) {
    absl::MutexLock lock(&mu_);
    active_ = active;
  }
  // Every call fails with `status` until cleared with OK.
  void SetError(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(status);
  }
  void SetDelay(absl::Duration delay) {
    absl::MutexLock lock(&mu_);
    delay_ = delay;
  }
  int spec_calls() const {
    absl::MutexLock lock(&mu_);
    return spec_calls_;
  }
  externalscaler::ScaledObjectRef last_ref() const {
    absl::MutexLock lock(&mu_);
    return last_ref_;
  }

  grpc::Status IsActive(grpc::ServerContext*, const externalscaler::ScaledObjectRef* ref,
                        externalscaler::IsActiveResponse* response) override {
    grpc::Status status = Begin(*ref);
    absl::MutexLock lock(&mu_);
    response->set_result(active_);
    return status;
  }
  grpc::Status GetMetricSpec(grpc::ServerContext*, const externalscaler::ScaledObjectRef* ref,
                             externalscaler::GetMetricSpecResponse* response) override {
    grpc::Status status = Begin(*ref);
    absl::MutexLock lock(&mu_);
    ++spec_calls_;
    for (const auto& [name, value] : metrics_) {
      externalscaler::MetricSpec* spec = response->add_metricspecs();
      spec->set_metricname(name);
      spec->set_targetsizefloat(1);
    }
    return status;
  }
  grpc::Status GetMetrics(grpc::ServerContext*, const externalscaler::GetMetricsRequest* request,
                          externalscaler::GetMetricsResponse* response) override {
    grpc::Status status = Begin(request->scaledobjectref());
    absl::MutexLock lock(&mu_);
    for (const auto& [name, value] : metrics_) {
      if (name != request->metricname()) continue;
      externalscaler::MetricValue* metric = response->add_metricvalues();
      metric->set_metricname(name);
      if (as_integer_) {
        metric->set_metricvalue(static_cast<int64_t>(value));
      } else {
        metric->set_metricvaluefloat(value);
      }
    }
    return status;
  }

 private:
  // Records the caller's reference, waits the delay, and gives the error to return.
  grpc::Status Begin(const externalscaler::ScaledObjectRef& ref) {
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      last_ref_ = ref;
      delay = delay_;
    }
    absl::SleepFor(delay);
    absl::MutexLock lock(&mu_);
    return error_;
  }

  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, double>> metrics_ ABSL_GUARDED_BY(mu_);
  bool as_integer_ ABSL_GUARDED_BY(mu_) = false;
  bool active_ ABSL_GUARDED_BY(mu_) = true;
  grpc::Status error_ ABSL_GUARDED_BY(mu_);
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  int spec_calls_ ABSL_GUARDED_BY(mu_) = 0;
  externalscaler::ScaledObjectRef last_ref_ ABSL_GUARDED_BY(mu_);
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace microscale::testing

#endif  // MICROSCALE_CONTROLLER_DEMAND_TESTING_TEST_EXTERNAL_SCALER_H_
