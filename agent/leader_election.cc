#include "agent/leader_election.h"

#include <algorithm>

#include "base/duration.h"

namespace ha {
namespace {

std::int64_t nanos(Time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t).count();
}

}  // namespace

LeaderElection::LeaderElection(EventLoop& loop, NomadLockApi& api, Options options, Logger& log,
                               std::function<void(bool)> on_change)
    : loop_(loop),
      api_(api),
      options_(std::move(options)),
      log_(log),
      on_change_(std::move(on_change)) {}

Duration LeaderElection::retry() const {
  return std::clamp<Duration>(options_.ttl / 20, std::chrono::milliseconds(500),
                              std::chrono::seconds(5));
}

bool LeaderElection::leading() const {
  std::int64_t until = lease_until_.load();
  return until != 0 && nanos(loop_.now()) < until;
}

void LeaderElection::later(Duration d, void (LeaderElection::*fn)()) {
  loop_.after(d, [this, fn, term = term_] {
    if (term == term_ && !stopped_) (this->*fn)();
  });
}

void LeaderElection::start() {
  log_.log(LogLevel::kInfo, loop_.now(), "high availability: trying for the lock",
           {{"lock_namespace", options_.lock_namespace},
            {"lock_path", options_.lock_path},
            {"lock_ttl", format_duration(options_.ttl)},
            {"lock_delay", format_duration(options_.delay)}});
  try_acquire();
}

void LeaderElection::try_acquire() {
  Time sent = loop_.now();
  NomadVariableLock want{"", options_.ttl, options_.delay};
  api_.acquire_lock(
      options_.lock_namespace, options_.lock_path, want,
      [this, sent, term = term_](Result<NomadVariable> r) {
        if (term != term_ || stopped_) return;
        if (!r) {
          if (r.error().kind != ErrorKind::kConflict) {
            log_.log(LogLevel::kWarn, loop_.now(), "high availability: acquiring the lock failed",
                     {{"error", r.error().message}});
          }
          return later(retry(), &LeaderElection::try_acquire);
        }
        lock_id_ = r->lock->id;
        lease_until_ = nanos(sent + options_.ttl);
        leader_ = true;
        ++term_;
        log_.log(LogLevel::kInfo, loop_.now(), "high availability: this agent is the leader", {});
        later(sent + options_.ttl * 7 / 10 - loop_.now(), &LeaderElection::renew);
        later(sent + options_.ttl - loop_.now(), &LeaderElection::check_lease);
        on_change_(true);
      });
}

void LeaderElection::renew() {
  Time sent = loop_.now();
  api_.renew_lock(options_.lock_namespace, options_.lock_path, lock_id_,
                  [this, sent, term = term_](Result<Unit> r) {
                    if (term != term_ || stopped_) return;
                    if (!r && r.error().kind == ErrorKind::kConflict) {
                      return step_down("the lock is not ours any more: " + r.error().message);
                    }
                    if (!r) {
                      log_.log(LogLevel::kWarn, loop_.now(),
                               "high availability: renewing the lock failed; trying again",
                               {{"error", r.error().message}});
                      return later(retry(), &LeaderElection::renew);
                    }
                    // Never moves back: a slow answer to an earlier renewal changes nothing.
                    lease_until_ = std::max(lease_until_.load(), nanos(sent + options_.ttl));
                    later(options_.ttl * 7 / 10 - (loop_.now() - sent), &LeaderElection::renew);
                  });
}

void LeaderElection::check_lease() {
  std::int64_t until = lease_until_.load();
  std::int64_t now = nanos(loop_.now());
  if (now >= until) {
    return step_down("the lease ended before a renewal succeeded (is Nomad reachable?)");
  }
  later(std::chrono::nanoseconds(until - now), &LeaderElection::check_lease);
}

void LeaderElection::step_down(const std::string& why) {
  lease_until_ = 0;
  lock_id_.clear();
  ++term_;
  if (leader_) {
    leader_ = false;
    log_.log(LogLevel::kWarn, loop_.now(), "high availability: stepping down", {{"why", why}});
    on_change_(false);
  }
  if (!stopped_) later(retry(), &LeaderElection::try_acquire);
}

void LeaderElection::stop(std::function<void()> done) {
  std::string id = lock_id_;
  bool was_leading = leading();
  stopped_ = true;
  ++term_;
  lease_until_ = 0;
  lock_id_.clear();
  if (leader_) {
    leader_ = false;
    on_change_(false);
  }
  if (!was_leading) {
    loop_.post(std::move(done));
    return;
  }
  api_.release_lock(options_.lock_namespace, options_.lock_path, id,
                    [this, done = std::move(done)](Result<Unit> r) {
                      if (r) {
                        log_.log(LogLevel::kInfo, loop_.now(), "high availability: lock released",
                                 {});
                      } else {
                        log_.log(LogLevel::kWarn, loop_.now(),
                                 "high availability: releasing the lock failed; it expires",
                                 {{"error", r.error().message}});
                      }
                      done();
                    });
}

}  // namespace ha
