// Instance ids: "<app>-<ordinal>", from a per-app counter that only grows, so an id is
// never reused and the Docker name "microscale-<instance>" of a new container never
// collides with an old one. Thread-safety: plain functions.
#ifndef MICROSCALE_CONTROLLER_CORE_INSTANCE_ID_H_
#define MICROSCALE_CONTROLLER_CORE_INSTANCE_ID_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace microscale::core {

std::string InstanceId(std::string_view app, int64_t ordinal);

// The ordinal of `instance` if it reads "<app>-<digits>"; nullopt otherwise.
std::optional<int64_t> InstanceOrdinal(std::string_view app, std::string_view instance);

// The Docker container name of an instance.
std::string ContainerName(std::string_view instance);

}  // namespace microscale::core

#endif  // MICROSCALE_CONTROLLER_CORE_INSTANCE_ID_H_
