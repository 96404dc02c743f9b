// UseGlobalFutexHash: a process with thousands of threads keeps its futex wake-ups cheap on
// Linux 6.17 and later.
//
// From Linux 6.17 a process gets a private futex hash, sized from the CPUs online when its
// threads start: 16 slots on a 2-CPU machine, whatever the number of threads. Every thread
// blocked on a mutex or a condition variable waits in one slot's chain, and every wake-up
// walks that chain. The controller holds a thread per agent stream (1,000 at 1,000 nodes)
// and the scale bench's load driver about 6,000: with 16 slots one hand-off between two
// threads took 31 µs beside 6,000 idle threads, against 11 µs on the global hash
// (bench/scale/futex_handoff; docs/benchmarks.md, "Futex wake-ups beside thousands of
// threads"). The global hash, sized at boot from all the CPUs, is what every kernel before
// 6.17 used.
#ifndef MICROSCALE_COMMON_FUTEX_HASH_H_
#define MICROSCALE_COMMON_FUTEX_HASH_H_

#include "absl/status/status.h"

namespace microscale {

// Has the calling process use the kernel's global futex hash. OK when it does afterwards,
// also on a kernel older than 6.17, which has no other; otherwise the kernel's refusal.
// Call it early in main(), before most threads start (threads already blocked when it is
// called still wake: common/futex_hash_test.cc).
absl::Status UseGlobalFutexHash();

// The slots of the calling process's private futex hash: 0 when it uses the global hash,
// -1 on a kernel without private hashes.
int PrivateFutexHashSlots();

}  // namespace microscale

#endif  // MICROSCALE_COMMON_FUTEX_HASH_H_
