// microscale-controller: parses flags, starts the Controller, stops it on SIGINT/SIGTERM.
// `microscale-controller token ...` manages API tokens instead (see token_command.h).
#include <csignal>
#include <iostream>
#include <string_view>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "common/shutdown_deadline.h"
#include "controller/server/controller.h"
#include "controller/server/controller_flags.h"
#include "controller/server/token_command.h"

#ifndef MICROSCALE_VERSION
#define MICROSCALE_VERSION "dev"
#endif

int main(int argc, char** argv) {
  using microscale::Controller;
  if (argc >= 2 && std::string_view(argv[1]) == "token") {
    return microscale::RunTokenCommand(argc - 1, argv + 1, std::cout, std::cerr);
  }
  microscale::ControllerFlagsResult flags =
      microscale::ParseControllerFlags(argc, argv, MICROSCALE_VERSION);
  if (!flags.config) {
    (flags.message_to_stderr ? std::cerr : std::cout) << flags.message;
    return flags.exit_code;
  }
  microscale::LogConfigure(flags.config->log_format);
#ifdef NDEBUG
  // Abseil's lock-order checks (a graph of every mutex held together) cost a visible share
  // of a busy controller's CPU (bench/scale profile); debug and sanitizer builds keep them.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // An etcd that does not answer yet is waited for; a stop signal ends the wait.
  absl::Status store = Controller::WaitForStore(*flags.config, [&](absl::Duration delay) {
    timespec timeout = absl::ToTimespec(delay);
    return sigtimedwait(&signals, nullptr, &timeout) < 0;  // < 0: the time passed, no signal
  });
  if (!store.ok()) {
    microscale::LogInfo("stopped", {{"reason", store}});
    return 0;
  }
  auto controller = Controller::Start(*flags.config, MICROSCALE_VERSION);
  if (!controller.ok()) {
    microscale::LogError("controller failed to start", {{"error", controller.status()}});
    return 1;
  }
  // An orderly stop (streams closed, the store's last writes made) exits 0 within
  // kShutdownLimit, so an upgrade restarts quickly; past it the process exits 1.
  microscale::ShutdownDeadline deadline("controller", microscale::kShutdownLimit);
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    deadline.Arm();
    microscale::LogInfo("stopping", {{"signal", signal}});
    (*controller)->Shutdown();
  });
  (*controller)->Wait();
  waiter.join();
  controller->reset();  // closes the store
  deadline.Disarm();
  microscale::LogInfo("stopped");
  return 0;
}
