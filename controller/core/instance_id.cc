#include "controller/core/instance_id.h"

#include <charconv>

namespace microscale::core {

std::string InstanceId(std::string_view app, int64_t ordinal) {
  std::string id(app);
  id += '-';
  id += std::to_string(ordinal);
  return id;
}

std::optional<int64_t> InstanceOrdinal(std::string_view app, std::string_view instance) {
  if (instance.size() <= app.size() + 1 || instance.substr(0, app.size()) != app ||
      instance[app.size()] != '-') {
    return std::nullopt;
  }
  std::string_view digits = instance.substr(app.size() + 1);
  if (digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::string ContainerName(std::string_view instance) {
  return "microscale-" + std::string(instance);
}

}  // namespace microscale::core
