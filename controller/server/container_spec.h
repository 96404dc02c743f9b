// The container spec an agent needs to start one container of an app.
#ifndef MICROSCALE_CONTROLLER_SERVER_CONTAINER_SPEC_H_
#define MICROSCALE_CONTROLLER_SERVER_CONTAINER_SPEC_H_

#include "common/manifest/app.h"
#include "microscale/v1/agent_gateway.pb.h"

namespace microscale {

v1::ContainerSpec ContainerSpecFor(const AppSpec& app, bool start_paused);

}  // namespace microscale

#endif  // MICROSCALE_CONTROLLER_SERVER_CONTAINER_SPEC_H_
