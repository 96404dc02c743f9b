// Reading a manifest of N Apps (the shape bench/scale/scale.sh applies: 4,000 Apps to a
// file, about 1 MB), as `microscalectl apply` reads it before it sends anything. Cases:
//   ParseManifests    the whole read: load, read each App, validate.
//   LoadTree          the load alone, into the manifest reader's tree (LoadYamlDocuments).
//   LoadYamlCppNodes  the load as the reader did it before: a pass of yaml-cpp's event
//                     parser that guards against its endless loop, then YAML::LoadAll
//                     into yaml-cpp's own nodes. The side-by-side alternative to LoadTree.
// Run with --benchmark_enable_random_interleaving=true --benchmark_repetitions=5 so that
// the cases alternate.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "common/manifest/manifest.h"
#include "common/manifest/yaml_load.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace microscale {
namespace {

std::string Manifest(int apps) {
  std::string text;
  for (int i = 0; i < apps; ++i) {
    absl::StrAppendFormat(
        &text,
        "---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: app-%05d}\n"
        "spec: {priority: %d, image: \"microscale/demo:latest\", resources: {cpu: 10m, "
        "memory: 16Mi}, replicas: {min: 0, max: 10}, demand: {source: static, "
        "targetPerContainer: 1, value: 10}}\n",
        i, i % 10 + 1);
  }
  return text;
}

// The event pass alone (what the guard ran before LoadAll).
class Ignore : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

void BM_ParseManifests(benchmark::State& state) {
  const std::string text = Manifest(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto apps = ParseManifests(text);
    if (!apps.ok()) state.SkipWithError(std::string(apps.status().message()).c_str());
    benchmark::DoNotOptimize(apps);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_LoadTree(benchmark::State& state) {
  const std::string text = Manifest(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto documents = manifest_internal::LoadYamlDocuments(text);
    if (!documents.ok()) state.SkipWithError(std::string(documents.status().message()).c_str());
    benchmark::DoNotOptimize(documents);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_LoadYamlCppNodes(benchmark::State& state) {
  const std::string text = Manifest(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::istringstream stream{text};
    YAML::Parser parser(stream);
    Ignore ignore;
    while (parser.HandleNextDocument(ignore)) {
    }
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    benchmark::DoNotOptimize(documents);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

BENCHMARK(BM_ParseManifests)->Arg(400)->Arg(4000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadTree)->Arg(400)->Arg(4000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadYamlCppNodes)->Arg(400)->Arg(4000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace microscale

BENCHMARK_MAIN();
