// NameThisThread: gives the calling thread a name that `top -H`, `ps -L`, /proc and perf
// show, so the thread that is busy can be told at a glance (the reconciler, the store
// writer, a demand read) instead of every thread carrying the process's name.
#ifndef MICROSCALE_COMMON_THREAD_NAME_H_
#define MICROSCALE_COMMON_THREAD_NAME_H_

#include <string>
#include <string_view>

namespace microscale {

// Names the calling thread; Linux keeps the first 15 bytes.
void NameThisThread(std::string_view name);

// The calling thread's name ("" if it cannot be read).
std::string ThisThreadName();

}  // namespace microscale

#endif  // MICROSCALE_COMMON_THREAD_NAME_H_
