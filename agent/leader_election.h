// LeaderElection: several agents, one active (the agent's `high_availability` block), by a
// lock on a Nomad Variable, as the Nomad Autoscaler does it (hashicorp/nomad api/locks.go).
//
// A standby tries to take the lock every `retry` (a twentieth of the TTL, 0.5s to 5s: a
// standby takes over within TTL + lock-delay + retry of the leader's death, where upstream's
// 1.1 x TTL would add a whole TTL more). The leader renews every 0.7 x TTL (as upstream), and
// again every `retry` after a failed renewal.
//
// The lease: the leader counts its lease from when it *sent* the acquire or renewal that
// succeeded, so it ends no later than the server's. leading() is false from the lease's end
// on, whether or not the loop has run since (a process paused by SIGSTOP, or starved, sees
// its lease gone the moment it runs again, before it can send anything), and the server
// keeps the lock from everyone else for lock_delay more: the old leader's last request in
// flight lands before a new leader can exist. Losing the lease (a renewal refused, renewals
// failing until it ends: a lost Nomad connection) steps down at once.
//
// on_change(true) when this agent becomes the leader, on_change(false) when it stops, both
// on the loop. leading() is thread-safe; the rest runs on the loop.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "backends/api/nomad_variables.h"
#include "base/event_loop.h"
#include "base/log.h"

namespace ha {

class LeaderElection {
 public:
  struct Options {
    std::string lock_namespace = "default";
    std::string lock_path = "nomad-autoscaler/lock";
    Duration ttl = std::chrono::seconds(60);
    Duration delay = std::chrono::seconds(30);
  };
  LeaderElection(EventLoop& loop, NomadLockApi& api, Options options, Logger& log,
                 std::function<void(bool)> on_change);
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Starts trying for the lock.
  void start();
  // Stops trying; when leading, steps down and releases the lock (so a standby takes over
  // without waiting out the TTL and the delay). `done` runs on the loop once the release is
  // answered, or at once.
  void stop(std::function<void()> done);

  // True while this agent holds a lease that has not ended. Thread-safe.
  bool leading() const;
  // How long a standby waits between tries.
  Duration retry() const;
  // The current lock ID ("" when not leading); on the loop.
  const std::string& lock_id() const { return lock_id_; }

 private:
  void try_acquire();
  void renew();
  void check_lease();  // steps down if the lease has ended
  void step_down(const std::string& why);
  // Runs fn after `d` unless the term changed in between.
  void later(Duration d, void (LeaderElection::*fn)());

  EventLoop& loop_;
  NomadLockApi& api_;
  Options options_;
  Logger& log_;
  std::function<void(bool)> on_change_;
  // Loop time (ns) the lease ends; 0 when not leading.
  std::atomic<std::int64_t> lease_until_{0};
  bool leader_ = false;
  bool stopped_ = false;
  std::string lock_id_;
  // Bumped at every change of role and at stop(): callbacks of an earlier one do nothing.
  std::uint64_t term_ = 0;
};

}  // namespace ha
