// Checks of the text formats an App manifest holds: names, labels, image references,
// environment names, URLs, addresses, JSON pointers and HTTP headers.
//
// Each returns nullopt when `text` is well formed, or the reason it is not, written to
// follow a field path ("must be a DNS label ..."). Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_FORMATS_H_
#define MICROSCALE_COMMON_MANIFEST_FORMATS_H_

#include <optional>
#include <string>
#include <string_view>

namespace microscale::manifest_internal {

using Problem = std::optional<std::string>;

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
Problem DnsLabelProblem(std::string_view text);
// Kubernetes label key: [prefix/]name, prefix a DNS subdomain (<= 253), name <= 63 of
// [A-Za-z0-9._-] starting and ending alphanumeric.
Problem LabelKeyProblem(std::string_view text);
// Kubernetes label value: empty, or <= 63 of [A-Za-z0-9._-] starting and ending alphanumeric.
Problem LabelValueProblem(std::string_view text);
// [registry[:port]/]path[:tag][@sha256:<64 hex>], path components lowercase.
Problem ImageReferenceProblem(std::string_view text);
// A port name as Kubernetes and service registries take it: at most 15 of [a-z0-9-], with
// a letter, starting and ending alphanumeric, no "--".
Problem PortNameProblem(std::string_view text);
// [A-Za-z_][A-Za-z0-9_]*.
Problem EnvNameProblem(std::string_view text);
// No NUL byte (it cannot reach a process's arguments or environment).
Problem NulProblem(std::string_view text);
// http:// or https:// followed by a host, no spaces or control characters.
Problem HttpUrlProblem(std::string_view text);
// host:port with port 1..65535; host a name, an IPv4 address or [IPv6].
Problem HostPortProblem(std::string_view text);
// RFC 6901: "" or "/a/b", with '~' only as "~0" or "~1".
Problem JsonPointerProblem(std::string_view text);
// An HTTP header name (RFC 9110 token) and value (no CR, LF or NUL).
Problem HeaderNameProblem(std::string_view text);
Problem HeaderValueProblem(std::string_view text);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_FORMATS_H_
