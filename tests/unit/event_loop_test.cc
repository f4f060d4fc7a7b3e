#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "backends/runtime/realtime_loop.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

TEST(SimulatedLoop, RunsInTimeOrderAndJumpsTime) {
  SimulatedLoop loop;
  std::vector<int> order;
  loop.at(Time(30s), [&] { order.push_back(3); });
  loop.at(Time(10s), [&] { order.push_back(1); });
  loop.at(Time(20s), [&] { order.push_back(2); });
  EXPECT_EQ(loop.run(), 3u);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(loop.now(), Time(30s));
  EXPECT_EQ(loop.events_processed(), 3u);
}

TEST(SimulatedLoop, SameTimeKeepsSchedulingOrder) {
  SimulatedLoop loop;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) loop.at(Time(1s), [&, i] { order.push_back(i); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(SimulatedLoop, CancelPreventsRunAndReportsState) {
  SimulatedLoop loop;
  int ran = 0;
  auto a = loop.after(1s, [&] { ++ran; });
  auto b = loop.after(2s, [&] { ++ran; });
  EXPECT_TRUE(loop.cancel(a));
  EXPECT_FALSE(loop.cancel(a));
  EXPECT_EQ(loop.pending(), 1u);
  loop.run();
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(loop.cancel(b));  // already ran
  // A recycled slot does not honour a stale id.
  auto c = loop.after(1s, [&] { ++ran; });
  EXPECT_FALSE(loop.cancel(a));
  EXPECT_TRUE(loop.cancel(c));
}

TEST(SimulatedLoop, CallbacksScheduleMoreAndPastMeansNow) {
  SimulatedLoop loop;
  std::vector<Time> times;
  loop.after(5s, [&] {
    times.push_back(loop.now());
    loop.at(Time(1s), [&] { times.push_back(loop.now()); });  // in the past: runs now
    loop.after(5s, [&] { times.push_back(loop.now()); });
  });
  loop.run();
  EXPECT_EQ(times, (std::vector<Time>{Time(5s), Time(5s), Time(10s)}));
}

TEST(SimulatedLoop, RunUntilStopsAtTheHorizon) {
  SimulatedLoop loop;
  int ran = 0;
  loop.after(5s, [&] { ++ran; });
  auto cancelled = loop.after(6s, [&] { ++ran; });
  loop.cancel(cancelled);
  loop.after(15s, [&] { ++ran; });
  EXPECT_EQ(loop.run_until(Time(10s)), 1u);
  EXPECT_EQ(loop.now(), Time(10s));
  EXPECT_EQ(ran, 1);
  loop.run();
  EXPECT_EQ(ran, 2);
}

TEST(RealtimeLoop, SpeedFactorCompressesWaits) {
  // At speed 1000, one loop minute takes 60 ms of wall time; assert order and that loop time
  // advanced past the deadline, not how long the wall wait took.
  RealtimeLoop loop(1000.0);
  std::vector<int> order;
  loop.after(60s, [&] {
    order.push_back(2);
    loop.stop();
  });
  loop.after(30s, [&] { order.push_back(1); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GE(loop.now(), Time(60s));
}

TEST(RealtimeLoop, AcceptsPostsFromOtherThreadsAndCancels) {
  RealtimeLoop loop(1.0);
  int ran = 0;
  auto never = loop.after(1h, [&] { ran += 100; });
  EXPECT_TRUE(loop.cancel(never));
  std::thread io([&] {
    loop.post([&] {
      ++ran;
      loop.stop();
    });
  });
  loop.run();
  io.join();
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

TEST(RealtimeLoop, StopBeforeRunEndsThatRunAndIsConsumed) {
  RealtimeLoop loop(1.0);
  loop.stop();  // e.g. a server thread told to stop before its loop started
  std::thread runner([&] { loop.run(); });
  runner.join();  // returns: the early stop was not lost
  int ran = 0;
  loop.post([&] {
    ++ran;
    loop.stop();
  });
  loop.run();  // the earlier stop was consumed: this run does the work
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace ha
