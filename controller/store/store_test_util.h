// Helpers shared by the store tests: a temporary directory removed on scope exit and
// small builders for specs and containers. Thread-safety: test-only, single thread.
#ifndef MICROSCALE_CONTROLLER_STORE_STORE_TEST_UTIL_H_
#define MICROSCALE_CONTROLLER_STORE_STORE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "microscale/v1/types.pb.h"

namespace microscale::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "msstore-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline v1::AppSpec Spec(const std::string& name, int priority = 10) {
  v1::AppSpec spec;
  spec.set_name(name);
  spec.set_priority(priority);
  spec.set_image("microscale/demo:latest");
  spec.mutable_replicas()->set_max(5);
  spec.mutable_demand()->set_source("static");
  return spec;
}

inline v1::Container Assigned(const std::string& app, int ordinal, const std::string& node) {
  v1::Container c;
  c.set_instance(app + "-" + std::to_string(ordinal));
  c.set_app(app);
  c.set_node(node);
  c.set_state(v1::CONTAINER_STATE_RUNNING);
  c.set_container_id("cid-" + c.instance());
  c.set_started_unix_ms(1'700'000'000'000);
  return c;
}

}  // namespace microscale::testing

#endif  // MICROSCALE_CONTROLLER_STORE_STORE_TEST_UTIL_H_
