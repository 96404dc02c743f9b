// microscale-controller: parses flags, starts the Controller, stops it on SIGINT/SIGTERM.
// On etcd it leads or stands by (standby_server.h), and stands by again when it loses its
// leadership.
// `microscale-controller token ...` manages API tokens instead (see token_command.h), and
// `microscale-controller migrate ...` copies a SQLite state into etcd (migrate_command.h).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <string_view>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/futex_hash.h"
#include "common/lock_checks.h"
#include "common/log.h"
#include "common/shutdown_deadline.h"
#include "controller/server/controller.h"
#include "controller/server/controller_flags.h"
#include "controller/server/controller_roster.h"
#include "controller/server/leader_election.h"
#include "controller/server/migrate_command.h"
#include "controller/server/standby_server.h"
#include "controller/server/token_command.h"
#include "controller/store/etcd_mirror.h"

#ifndef MICROSCALE_VERSION
#define MICROSCALE_VERSION "dev"
#endif

namespace {

using microscale::Controller;

// Sent to this process by a leader that lost its leadership, to end its term.
constexpr int kSteppingDown = SIGUSR1;

enum class Ended { kStopped, kLostLeadership, kFailed };

// Runs the controller until a stop signal in `signals` (kStopped), or, with an `election`,
// until leadership is lost (kLostLeadership); kFailed when it cannot start. Either way the
// controller has stopped acting when this returns: agent streams closed, store closed, and
// the leadership resigned.
Ended Serve(const microscale::ControllerConfig& config, const sigset_t& signals,
            microscale::LeaderElection* election,
            std::shared_ptr<microscale::EtcdMirror> mirror = nullptr) {
  std::atomic<bool> lost{false};
  microscale::Leadership leadership;
  if (election != nullptr) {
    leadership = {election->key(), election->create_revision(),
                  [&lost] {
                    if (!lost.exchange(true)) kill(getpid(), kSteppingDown);
                  },
                  std::move(mirror)};
  }
  // The lease is kept alive from the start: loading a large state may take longer than it.
  if (election != nullptr) election->KeepLeading(leadership.on_lost);
  auto controller =
      Controller::Start(config, MICROSCALE_VERSION, microscale::RealClock::Get(), leadership);
  if (!controller.ok()) {
    if (election != nullptr) election->Resign();
    if (lost) {  // its start failed on the fence: another controller leads now
      microscale::LogWarn("lost leadership while starting", {{"error", controller.status()}});
      sigset_t pending;
      sigemptyset(&pending);
      sigaddset(&pending, kSteppingDown);
      timespec now{};
      sigtimedwait(&pending, nullptr, &now);  // the wake-up of a term that never began
      return Ended::kLostLeadership;
    }
    microscale::LogError("controller failed to start", {{"error", controller.status()}});
    return Ended::kFailed;
  }
  // An orderly stop (streams closed, the store's last writes made) ends within
  // kShutdownLimit, so an upgrade restarts quickly; past it the process exits 1.
  microscale::ShutdownDeadline deadline("controller", microscale::kShutdownLimit);
  std::thread waiter([&] {
    sigset_t wake = signals;
    sigaddset(&wake, kSteppingDown);
    int signal = 0;
    sigwait(&wake, &signal);
    deadline.Arm();
    if (signal == kSteppingDown) {
      microscale::LogInfo("stepping down: closing agent streams and the store");
    } else {
      microscale::LogInfo("stopping", {{"signal", signal}});
    }
    (*controller)->Shutdown();
  });
  (*controller)->Wait();
  waiter.join();
  controller->reset();                          // closes the store
  if (election != nullptr) election->Resign();  // a standby takes over at once
  deadline.Disarm();
  if (lost) return Ended::kLostLeadership;
  microscale::LogInfo("stopped");
  return Ended::kStopped;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "token") {
    return microscale::RunTokenCommand(argc - 1, argv + 1, std::cout, std::cerr);
  }
  if (argc >= 2 && std::string_view(argv[1]) == "migrate") {
    return microscale::RunMigrateCommand(argc - 1, argv + 1, std::cout, std::cerr);
  }
  microscale::ControllerFlagsResult flags =
      microscale::ParseControllerFlags(argc, argv, MICROSCALE_VERSION);
  if (!flags.config) {
    (flags.message_to_stderr ? std::cerr : std::cout) << flags.message;
    return flags.exit_code;
  }
  microscale::LogConfigure(flags.config->log_format);
  if (absl::Status s = microscale::LoadEtcdCredentials(*flags.config); !s.ok()) {
    microscale::LogError("cannot use the etcd TLS files", {{"error", s}});
    return 1;
  }
  microscale::SkipLockOrderChecksInRelease();
  // A thread per agent stream: their wake-ups stay cheap on the global futex hash.
  if (absl::Status s = microscale::UseGlobalFutexHash(); !s.ok()) {
    microscale::LogWarn("futex wake-ups stay on the process's own hash", {{"error", s}});
  }
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t blocked = signals;
  sigaddset(&blocked, kSteppingDown);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const microscale::ControllerConfig& config = *flags.config;
  if (config.etcd_endpoints.empty())
    return Serve(config, signals, nullptr) == Ended::kStopped ? 0 : 1;

  // On etcd: wait for it to answer, then lead, or stand by until this controller may. A
  // leader that loses its leadership stops acting at once and stands by again.
  auto etcd = std::make_shared<microscale::EtcdClient>(config.etcd_endpoints,
                                                       config.etcd_credentials, absl::Seconds(5));
  microscale::ControllerRoster roster(etcd, config.etcd_prefix,
                                      microscale::ThisController(config.advertise_addr),
                                      config.leader_lease);
  roster.Join();
  // While another controller leads, or etcd does not answer, this one serves as a standby
  // (standby_server.h) and keeps a copy of the state (etcd_mirror.h), to load it from
  // memory when it leads. Waits that a stop signal ends: false when one came.
  std::unique_ptr<microscale::StandbyServer> standby;
  auto mirror = std::make_shared<microscale::EtcdMirror>(etcd, config.etcd_prefix);
  absl::Status standby_failed;
  auto stand_by = [&](absl::Duration delay) {
    mirror->Start();
    if (standby == nullptr) {
      auto started = microscale::StandbyServer::Start(config, MICROSCALE_VERSION, etcd);
      if (!started.ok()) {
        standby_failed = started.status();
        return false;
      }
      standby = *std::move(started);
    }
    timespec timeout = absl::ToTimespec(delay);
    return sigtimedwait(&signals, nullptr, &timeout) < 0;  // < 0: the time passed, no signal
  };
  for (;;) {
    absl::Status ready = Controller::WaitForStore(config, stand_by);
    microscale::LeaderElection election(
        etcd, microscale::LeaderElectionOptions{config.etcd_prefix + "leader",
                                                config.advertise_addr, config.leader_lease});
    if (ready.ok()) ready = election.Campaign(stand_by);
    if (!standby_failed.ok()) {
      microscale::LogError("cannot serve as a standby", {{"error", standby_failed}});
      return 1;
    }
    if (!ready.ok()) {
      microscale::LogInfo("stopped", {{"reason", ready}});
      return 0;
    }
    standby.reset();  // frees the ports for the leader
    roster.RoleChanged();
    const Ended ended = Serve(config, signals, &election, mirror);
    if (ended != Ended::kLostLeadership) return ended == Ended::kStopped ? 0 : 1;
    microscale::LogWarn("standing by again after losing leadership");
    roster.RoleChanged();
  }
}
