// Conversions between absl::Status and grpc::Status (their codes match 1:1).
#ifndef MICROSCALE_CONTROLLER_SERVER_GRPC_STATUS_H_
#define MICROSCALE_CONTROLLER_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace microscale {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_GRPC_STATUS_H_
