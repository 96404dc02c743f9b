#include "common/http/host_port.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace microscale {
namespace {

absl::Status Bad(std::string_view address, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", ToAbsl(address), "\" is not host:port (", ToAbsl(why), ")"));
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return Bad(address, "missing port");
  std::string_view host = address.substr(0, colon);
  std::string_view port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Bad(address, "an IPv6 host must be in brackets");
  }
  int port = 0;
  if (port_text.empty() || !absl::SimpleAtoi(ToAbsl(port_text), &port) || port < 0 ||
      port > 65535 || port_text.front() == '+' || port_text.front() == '-') {
    return Bad(address, "port must be a number from 0 to 65535");
  }
  return HostPort{host.empty() ? std::string("0.0.0.0") : std::string(host), port};
}

absl::StatusOr<std::vector<std::string>> ParseAddressList(std::string_view list) {
  std::vector<std::string> addresses;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string_view one =
        list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
    if (one.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("an address in \"", ToAbsl(list), "\" is empty"));
    }
    absl::StatusOr<HostPort> parsed = ParseHostPort(one);
    if (!parsed.ok()) return parsed.status();
    addresses.emplace_back(one);
    if (comma == std::string_view::npos) return addresses;
    start = comma + 1;
  }
}

}  // namespace microscale
