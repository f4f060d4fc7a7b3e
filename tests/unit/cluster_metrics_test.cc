#include "sim/cluster_metrics.h"

#include <gtest/gtest.h>

#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

TEST(ClusterMetrics, SamplesAndAnswersWindowedQueries) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  nomad.register_node({"a", "hashistack", "dc1", "default", 4000, 8192, {}});
  nomad.register_node({"gpu", "gpu", "dc1", "default", 4000, 8192, {}});
  ClusterMetrics metrics(loop, nomad, 10s, "hashistack");
  metrics.start(Time(60s));
  loop.after(15s, [&] {
    static_cast<void>(nomad.register_job({"web", "service", {{"g", 5, 2000, 1024, std::nullopt}}}));
  });
  loop.run_until(Time(60s));
  ASSERT_EQ(metrics.samples().size(), 7u);  // 0, 10, ..., 60

  std::optional<Result<TimeSeries>> cpu, pending, bad, instant;
  metrics.query("percentage-allocated_cpu", {Time(20s), Time(40s)},
                [&](Result<TimeSeries> r) { cpu = r; });
  metrics.query("node_pending_allocations/node_class=hashistack", {Time(0s), Time(60s)},
                [&](Result<TimeSeries> r) { pending = r; });
  metrics.query("p99_latency", {Time(0s), Time(60s)}, [&](Result<TimeSeries> r) { bad = r; });
  metrics.query("node_count", {Time(45s), Time(45s)}, [&](Result<TimeSeries> r) { instant = r; });
  loop.run_until(Time(61s));

  ASSERT_TRUE(cpu && cpu->ok());
  ASSERT_EQ((*cpu)->size(), 3u);  // samples at 20, 30, 40 s
  // Only the hashistack node counts (the gpu node takes two more); the fifth waits.
  EXPECT_DOUBLE_EQ((*cpu)->front().value, 100.0);
  ASSERT_TRUE(pending && pending->ok());
  EXPECT_EQ((*pending)->front().value, 0);  // before the job arrived
  EXPECT_EQ((*pending)->back().value, 1);
  ASSERT_TRUE(bad && !bad->ok());
  EXPECT_NE(bad->error().message.find("unknown query \"p99_latency\""), std::string::npos);
  ASSERT_TRUE(instant && instant->ok());
  ASSERT_EQ((*instant)->size(), 1u);  // the 40 s sample, the latest before 45 s
  EXPECT_EQ((*instant)->front().time, Time(40s));
  EXPECT_EQ((*instant)->front().value, 1);
}

TEST(ClusterMetrics, AWindowReachingNowEndsWithTheClusterAsItIsNow) {
  SimulatedLoop loop;
  NomadModel nomad(loop);
  nomad.register_node({"a", "hashistack", "dc1", "default", 4000, 8192, {}});
  ClusterMetrics metrics(loop, nomad, 60s, "hashistack");
  metrics.start(Time(120s));
  loop.run_until(Time(59s));
  std::optional<Result<TimeSeries>> seen;
  // At 60 s, after that instant's sample: a node joins, then the query is made. The answer
  // must not depend on which came first at 60 s: it ends with the 2 nodes of now.
  loop.at(Time(60s), [&] {
    nomad.register_node({"b", "hashistack", "dc1", "default", 4000, 8192, {}});
    metrics.query("node_count", {Time(30s), Time(60s)}, [&](Result<TimeSeries> r) { seen = r; });
  });
  loop.run_until(Time(61s));
  ASSERT_TRUE(seen && seen->ok());
  ASSERT_EQ((*seen)->size(), 1u);  // no sample in [30 s, 60 s): the live point alone
  EXPECT_EQ((*seen)->back().time, Time(60s));
  EXPECT_EQ((*seen)->back().value, 2);
}

}  // namespace
}  // namespace ha
