// Conversion between the AppSpec struct and its gRPC message, microscale.v1.AppSpec.
//
// AppToProto writes every field, so a message made by it never relies on proto3 zero
// values. AppFromProto reads a message that may come from any client: a zero where zero is
// never valid (priority, resources, targetPerContainer, intervalSeconds, timeoutSeconds)
// and an empty enum name take the manifest default, then the result is checked with
// ValidateApp's rules; errors are InvalidArgument, one line per problem, prefixed
// `app NAME: `. Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_APP_PROTO_H_
#define MICROSCALE_COMMON_MANIFEST_APP_PROTO_H_

#include "absl/status/statusor.h"
#include "common/manifest/app.h"
#include "microscale/v1/types.pb.h"

namespace microscale {

v1::AppSpec AppToProto(const AppSpec& app);
// The health check as the AppSpec and ContainerSpec messages carry it.
void HealthCheckToProto(const HealthCheckSpec& check, v1::HealthCheck& out);

absl::StatusOr<AppSpec> AppFromProto(const v1::AppSpec& proto);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_MANIFEST_APP_PROTO_H_
