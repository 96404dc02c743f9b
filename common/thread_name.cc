#include "common/thread_name.h"

#include <pthread.h>

#include <algorithm>

namespace microscale {

namespace {
constexpr size_t kMaxNameBytes = 15;  // the kernel's limit, without the terminating NUL
}  // namespace

void NameThisThread(std::string_view name) {
  const std::string kept(name.substr(0, std::min(name.size(), kMaxNameBytes)));
  pthread_setname_np(pthread_self(), kept.c_str());
}

std::string ThisThreadName() {
  char name[kMaxNameBytes + 1] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return "";
  return name;
}

}  // namespace microscale
