// Typing of YAML scalars by the YAML 1.2 core schema, shared by the manifest reader and
// the YAML emitter.
//
// yaml-cpp hands every scalar over as text; whether `10` is an integer and `"10"` a string
// is decided here, the way YAML 1.2 (and Kubernetes) decide it. Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_MANIFEST_YAML_SCALAR_H_
#define MICROSCALE_COMMON_MANIFEST_YAML_SCALAR_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace microscale::manifest_internal {

enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };

// The type an untagged plain (unquoted) scalar resolves to: `~` null, `true` bool,
// `0x1f` int, `.inf` float, `hello` string.
ScalarKind ResolvePlainScalar(std::string_view text);

// "null", "boolean", "integer", "number", "string".
const char* ScalarKindName(ScalarKind kind);

// The value of an integer scalar (decimal, 0x hex, 0o octal), or nullopt when it does not
// fit in 64 bits.
std::optional<int64_t> ParseYamlInt(std::string_view text);
std::optional<uint64_t> ParseYamlUint(std::string_view text);
// The value of an integer or float scalar; NaN and infinities come back as such.
std::optional<double> ParseYamlNumber(std::string_view text);
// The value of a bool scalar.
bool ParseYamlBool(std::string_view text);

// True when `text` written as a plain scalar could be read back as anything but that very
// string, by this reader or by a YAML 1.1 reader (`yes`, `0b1`, `1_000`, `1:20`).
bool NeedsQuotes(std::string_view text);

}  // namespace microscale::manifest_internal

#endif  // MICROSCALE_COMMON_MANIFEST_YAML_SCALAR_H_
