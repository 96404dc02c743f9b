// SkipLockOrderChecksInRelease: Abseil's mutexes keep a graph of every pair of locks held
// together, to report a lock-order cycle. Debian's Abseil has it on; it cost a visible share
// of a busy controller's CPU (bench/scale profile), and of the simulated agents' in the
// same bench. Release builds of the daemons turn it off at start; debug and sanitizer builds
// (the tests) keep it.
#ifndef MICROSCALE_COMMON_LOCK_CHECKS_H_
#define MICROSCALE_COMMON_LOCK_CHECKS_H_

namespace microscale {

// Call once, early in main, before other threads start.
void SkipLockOrderChecksInRelease();

}  // namespace microscale

#endif  // MICROSCALE_COMMON_LOCK_CHECKS_H_
