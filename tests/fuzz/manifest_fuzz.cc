// Fuzzes ParseManifests with arbitrary bytes. It must never crash, hang or leak; and
// whatever it accepts must pass ValidateApp and survive emission: parsing the YAML that
// JsonToYaml(AppToJson(app)) writes gives back the same apps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/manifest/emit.h"
#include "common/manifest/manifest.h"

namespace {

void Check(bool condition, const char* what, std::string_view detail) {
  if (condition) return;
  std::fprintf(stderr, "manifest_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<microscale::AppSpec>> apps = microscale::ParseManifests(text);
  if (!apps.ok()) {
    Check(apps.status().code() == absl::StatusCode::kInvalidArgument &&
              !apps.status().message().empty(),
          "a refusal must be InvalidArgument with a message", text);
    return 0;
  }
  Check(!apps->empty(), "an accepted manifest must hold an App", text);
  std::string all;
  for (const microscale::AppSpec& app : *apps) {
    Check(microscale::ValidateApp(app).ok(), "an accepted App must pass ValidateApp", text);
    std::string yaml = microscale::JsonToYaml(microscale::AppToJson(app));
    absl::StatusOr<std::vector<microscale::AppSpec>> again = microscale::ParseManifests(yaml);
    Check(again.ok(), "emitted YAML must parse", yaml);
    Check(again->size() == 1 && again->front() == app, "emitted YAML must give the same App", yaml);
    all += "---\n" + yaml;
  }
  absl::StatusOr<std::vector<microscale::AppSpec>> together = microscale::ParseManifests(all);
  Check(together.ok() && *together == *apps, "the emitted file must give the same Apps", all);
  return 0;
}
