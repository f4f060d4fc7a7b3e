// LeaderElection on simulated time against a scripted lock: takes the lock, renews it at
// 0.7 x TTL, steps down when a renewal is refused or when renewals fail until the lease
// ends, counts the lease from when the request was sent, releases on stop, and tries again
// as a standby.
#include "agent/leader_election.h"

#include <gtest/gtest.h>

#include <deque>

#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Answers every call after `latency`, as `answer` says at the time of the call.
struct ScriptedLock final : NomadLockApi {
  SimulatedLoop& loop;
  Duration latency = 100ms;
  ErrorKind acquire_fails = ErrorKind::kOther;  // kOther: succeeds
  ErrorKind renew_fails = ErrorKind::kOther;
  bool hold_answers = false;  // answers never come (a paused or unreachable server)
  int acquires = 0, renewals = 0, releases = 0;
  std::vector<Time> renew_times;

  explicit ScriptedLock(SimulatedLoop& l) : loop(l) {}
  template <typename T>
  void answer(Done<T> done, ErrorKind fails, T value) {
    if (hold_answers) return;
    loop.after(latency, [done, fails, value] {
      if (fails == ErrorKind::kOther) return done(value);
      done(make_error("scripted failure", fails));
    });
  }
  void acquire_lock(const std::string&, const std::string& path, const NomadVariableLock& want,
                    Done<NomadVariable> done) override {
    ++acquires;
    NomadVariable v;
    v.path = path;
    v.lock = want;
    v.lock->id = "lock-" + std::to_string(acquires);
    answer(done, acquire_fails, v);
  }
  void renew_lock(const std::string&, const std::string&, const std::string&,
                  Done<Unit> done) override {
    ++renewals;
    renew_times.push_back(loop.now());
    answer(done, renew_fails, Unit{});
  }
  void release_lock(const std::string&, const std::string&, const std::string&,
                    Done<Unit> done) override {
    ++releases;
    answer(done, ErrorKind::kOther, Unit{});
  }
};

struct LeaderElectionTest : ::testing::Test {
  SimulatedLoop loop;
  ScriptedLock lock{loop};
  NullLogger log;
  std::vector<bool> changes;
  LeaderElection election{loop, lock, {"default", "x/lock", 10s, 2s}, log, [this](bool leader) {
                            changes.push_back(leader);
                          }};
};

TEST_F(LeaderElectionTest, TakesTheLockAndRenewsItEverySevenTenthsOfTheTtl) {
  election.start();
  loop.run_until(Time(1s));
  EXPECT_TRUE(election.leading());
  EXPECT_EQ(election.lock_id(), "lock-1");
  EXPECT_EQ(changes, std::vector<bool>{true});
  loop.run_until(Time(60s));
  EXPECT_TRUE(election.leading());
  ASSERT_GE(lock.renew_times.size(), 8u);
  EXPECT_EQ(lock.renew_times[0], Time(7s));
  EXPECT_EQ(lock.renew_times[1], Time(14s));
  EXPECT_EQ(lock.acquires, 1);
}

TEST_F(LeaderElectionTest, AStandbyTriesAgainEveryRetryUntilTheLockIsFree) {
  lock.acquire_fails = ErrorKind::kConflict;
  election.start();
  loop.run_until(Time(5s));
  EXPECT_FALSE(election.leading());
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(election.retry(), 500ms);
  // A try at 0, then one every 0.1 s answer + 0.5 s.
  EXPECT_GE(lock.acquires, 8);
  EXPECT_LE(lock.acquires, 9);
  lock.acquire_fails = ErrorKind::kOther;
  loop.run_until(Time(6s));
  EXPECT_TRUE(election.leading());
}

TEST_F(LeaderElectionTest, ARefusedRenewalStepsDownAtOnce) {
  election.start();
  loop.run_until(Time(1s));
  lock.renew_fails = ErrorKind::kConflict;
  loop.run_until(Time(7s) + 100ms);  // the renewal at 7 s is refused at 7.1 s
  EXPECT_FALSE(election.leading());
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
  lock.renew_fails = ErrorKind::kOther;
  loop.run_until(Time(8s));
  EXPECT_TRUE(election.leading());  // a standby again, and the lock was free
  EXPECT_EQ(election.lock_id(), "lock-2");
}

TEST_F(LeaderElectionTest, FailingRenewalsStepDownWhenTheLeaseEndsNotBefore) {
  election.start();
  loop.run_until(Time(1s));
  lock.renew_fails = ErrorKind::kUnavailable;  // Nomad unreachable
  loop.run_until(Time(10s) - 1ms);
  EXPECT_TRUE(election.leading());  // the lease, sent at 0, lasts to 10 s
  EXPECT_GT(lock.renewals, 3);      // retried every 0.5 s after 7 s
  loop.run_until(Time(10s));
  EXPECT_FALSE(election.leading());
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
}

TEST_F(LeaderElectionTest, TheLeaseEndsOnTimeEvenIfTheLoopNeverRanSince) {
  // A process paused (SIGSTOP) past its lease: leading() looks at the clock, not at
  // whether the step-down has run.
  election.start();
  loop.run_until(Time(1s));
  lock.hold_answers = true;
  loop.run_until(Time(9s));
  EXPECT_TRUE(election.leading());
  // The renewal of 7 s was never answered: the lease still ends at 10 s (sent at 0 + TTL).
  loop.run_until(Time(10s));
  EXPECT_FALSE(election.leading());
}

TEST_F(LeaderElectionTest, TheLeaseCountsFromWhenTheRequestWasSent) {
  lock.latency = 3s;  // a slow answer: the lease is 3 s shorter than the TTL from then on
  election.start();
  loop.run_until(Time(3s));
  EXPECT_TRUE(election.leading());
  lock.hold_answers = true;
  loop.run_until(Time(10s) - 1ms);
  EXPECT_TRUE(election.leading());
  loop.run_until(Time(10s));
  EXPECT_FALSE(election.leading());
}

TEST_F(LeaderElectionTest, StopReleasesTheLockAndStepsDown) {
  election.start();
  loop.run_until(Time(1s));
  bool stopped = false;
  election.stop([&] { stopped = true; });
  EXPECT_FALSE(election.leading());
  loop.run_until(Time(2s));
  EXPECT_TRUE(stopped);
  EXPECT_EQ(lock.releases, 1);
  EXPECT_EQ(changes, (std::vector<bool>{true, false}));
  loop.run_until(Time(30s));
  EXPECT_EQ(lock.acquires, 1);  // stopped: no more tries, no renewals
  EXPECT_EQ(lock.renewals, 0);
}

}  // namespace
}  // namespace ha
