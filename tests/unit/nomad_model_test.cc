#include "backends/memory/nomad_model.h"

#include <gtest/gtest.h>

#include <random>

#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct NomadModelTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel model{loop};
  std::vector<NomadAllocEvent> events;

  void SetUp() override {
    model.on_alloc_event = [this](const NomadAllocEvent& e) { events.push_back(e); };
  }
  std::string node(const std::string& name, std::int64_t cpu = 4000, std::int64_t mem = 8192) {
    return model.register_node({name, "hashistack", "dc1", "default", cpu, mem, {}});
  }
  void service(const std::string& id, std::int64_t count, std::int64_t cpu,
               std::int64_t mem = 256) {
    ASSERT_TRUE(model.register_job({id, "service", {{"g", count, cpu, mem, std::nullopt}}}).ok());
  }
  std::size_t on(const std::string& node_id) { return model.node_allocations(node_id).size(); }
  int count(NomadAllocEvent::Kind kind) {
    return static_cast<int>(
        std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; }));
  }
};

TEST_F(NomadModelTest, BinpackFillsTheFullestNodeFirst) {
  std::string a = node("a"), b = node("b");
  service("web", 4, 1000);
  loop.run();
  EXPECT_EQ(on(a), 4u);
  EXPECT_EQ(on(b), 0u);
  auto t = model.totals();
  EXPECT_EQ(t.cpu_allocated, 4000);
  EXPECT_EQ(t.allocs_running, 4);
  EXPECT_EQ(t.allocs_pending, 0);
}

TEST_F(NomadModelTest, SpreadBalances) {
  NomadModel spread(loop, 1, Placement::kSpread);
  std::string a = spread.register_node({"a", "", "dc1", "default", 4000, 8192, {}});
  std::string b = spread.register_node({"b", "", "dc1", "default", 4000, 8192, {}});
  ASSERT_TRUE(spread.register_job({"web", "service", {{"g", 4, 1000, 256, std::nullopt}}}).ok());
  loop.run();
  EXPECT_EQ(spread.node_allocations(a).size(), 2u);
  EXPECT_EQ(spread.node_allocations(b).size(), 2u);
}

TEST_F(NomadModelTest, MemoryMustFitToo) {
  std::string small = node("small", 4000, 512), big = node("big", 8000, 8192);
  service("db", 1, 1000, 2048);
  loop.run();
  EXPECT_EQ(on(small), 0u);
  EXPECT_EQ(on(big), 1u);
}

TEST_F(NomadModelTest, BlockedAllocationsWaitForCapacity) {
  node("a", 2000);
  service("web", 3, 1000);
  loop.run();
  auto t = model.totals();
  EXPECT_EQ(t.allocs_running, 2);
  EXPECT_EQ(t.allocs_pending, 1);
  EXPECT_EQ(t.cpu_pending, 1000);
  loop.run_until(Time(30s));
  std::string b = node("b", 2000);
  loop.run();
  EXPECT_EQ(on(b), 1u);
  EXPECT_EQ(model.totals().allocs_pending, 0);
  // The event of the late placement still carries the original queue time.
  ASSERT_EQ(events.back().kind, NomadAllocEvent::Kind::kPlaced);
  EXPECT_EQ(events.back().queued_at, Time(0));
}

TEST_F(NomadModelTest, SystemJobsRunOnEveryEligibleNode) {
  std::string a = node("a");
  ASSERT_TRUE(
      model.register_job({"monitor", "system", {{"agent", 1, 100, 64, std::nullopt}}}).ok());
  EXPECT_EQ(on(a), 1u);
  std::string b = node("b");
  EXPECT_EQ(on(b), 1u);
  ASSERT_TRUE(model.set_eligibility(b, false).ok());
  std::string c = node("c");
  EXPECT_EQ(on(c), 1u);
  EXPECT_EQ(model.node_allocations(c)[0].job_type, "system");
}

TEST_F(NomadModelTest, DrainMigratesServiceAllocationsAndCompletes) {
  std::string a = node("a"), b = node("b");
  service("web", 3, 1000);
  loop.run();
  ASSERT_EQ(on(a), 3u);
  std::uint64_t before = model.node(a)->modify_index;
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{15min, false}, false).ok());
  loop.run_until(Time(1s));
  // Replaced at once, but their client takes the kill_timeout (5 s) to stop them.
  EXPECT_EQ(on(b), 3u);
  ASSERT_EQ(on(a), 3u);
  for (const auto& stopping : model.node_allocations(a)) {
    EXPECT_EQ(stopping.desired_status, "stop");
    EXPECT_EQ(stopping.client_status, "running");
  }
  EXPECT_TRUE(model.node(a)->drain);
  loop.run_until(Time(6s));
  EXPECT_EQ(on(a), 0u);
  auto n = model.node(a);
  EXPECT_FALSE(n->drain_strategy.has_value());
  EXPECT_FALSE(n->drain);
  EXPECT_EQ(n->last_drain_status, "complete");
  EXPECT_EQ(n->scheduling_eligibility, "ineligible");  // stays ineligible after a drain
  EXPECT_GT(n->modify_index, before);
  EXPECT_EQ(count(NomadAllocEvent::Kind::kStopped), 3);
  EXPECT_EQ(loop.pending(), 0u);  // the deadline timer was cancelled
}

TEST_F(NomadModelTest, DrainWaitsForBatchWorkUntilItsDeadline) {
  std::string a = node("a"), b = node("b");
  ASSERT_TRUE(model.register_job({"etl", "batch", {{"step", 2, 1000, 256, 10min}}}).ok());
  loop.run_until(Time(1s));
  ASSERT_EQ(on(a), 2u);
  ASSERT_TRUE(model.set_eligibility(b, false).ok());  // nowhere to go
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{5min, false}, false).ok());
  loop.run_until(Time(4min));
  EXPECT_TRUE(model.node(a)->drain);  // batch work still running
  EXPECT_EQ(on(a), 2u);
  loop.run_until(Time(6min));
  // Deadline passed: batch allocations stopped and queued again, drain complete.
  EXPECT_FALSE(model.node(a)->drain);
  EXPECT_EQ(model.node(a)->last_drain_status, "complete");
  EXPECT_EQ(model.totals().allocs_pending, 2);
  ASSERT_TRUE(model.set_eligibility(b, true).ok());
  loop.run_until(Time(7min));
  EXPECT_EQ(on(b), 2u);
}

TEST_F(NomadModelTest, BatchFinishingEndsTheDrainBeforeTheDeadline) {
  std::string a = node("a");
  ASSERT_TRUE(model.register_job({"etl", "batch", {{"step", 1, 1000, 256, 2min}}}).ok());
  loop.run_until(Time(1s));
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{1h, false}, false).ok());
  loop.run_until(Time(3min));
  EXPECT_FALSE(model.node(a)->drain);
  EXPECT_EQ(count(NomadAllocEvent::Kind::kCompleted), 1);
  EXPECT_EQ(model.totals().allocs_pending, 0);
}

TEST_F(NomadModelTest, DrainWithoutCapacityLeavesWorkPending) {
  std::string a = node("a");
  service("web", 2, 1000);
  loop.run();
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{15min, false}, false).ok());
  loop.run();
  EXPECT_EQ(model.totals().allocs_pending, 2);
  EXPECT_EQ(model.node(a)->last_drain_status, "complete");
}

TEST_F(NomadModelTest, SystemJobsLeaveLastOrStayWhenIgnored) {
  std::string a = node("a"), b = node("b");
  ASSERT_TRUE(
      model.register_job({"monitor", "system", {{"agent", 1, 100, 64, std::nullopt}}}).ok());
  service("web", 1, 1000);
  loop.run();
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{15min, true}, false).ok());
  loop.run();
  EXPECT_EQ(on(a), 1u);  // the system allocation stays
  EXPECT_EQ(model.node_allocations(a)[0].job_type, "system");
  ASSERT_TRUE(model.drain_node(b, NomadDrainSpec{15min, false}, false).ok());
  loop.run();
  EXPECT_EQ(on(b), 0u);
}

TEST_F(NomadModelTest, ForcedDrainStopsEverythingAtOnce) {
  std::string a = node("a");
  ASSERT_TRUE(model.register_job({"etl", "batch", {{"step", 1, 1000, 256, 1h}}}).ok());
  loop.run_until(Time(1s));
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{Duration(-1), false}, false).ok());
  // Complete at once, whatever the client still takes to stop the work (kill_timeout 5 s).
  EXPECT_EQ(model.node(a)->last_drain_status, "complete");
  ASSERT_EQ(on(a), 1u);
  EXPECT_EQ(model.node_allocations(a)[0].desired_status, "stop");
  loop.run_until(Time(6s));
  EXPECT_EQ(on(a), 0u);
}

TEST_F(NomadModelTest, CancelledDrainCanMarkEligibleAgain) {
  std::string a = node("a");
  ASSERT_TRUE(model.register_job({"etl", "batch", {{"step", 1, 1000, 256, 1h}}}).ok());
  loop.run_until(Time(1s));
  ASSERT_TRUE(model.drain_node(a, NomadDrainSpec{0s, false}, false).ok());
  auto refused = model.set_eligibility(a, true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("while it is draining"), std::string::npos);
  ASSERT_TRUE(model.drain_node(a, std::nullopt, true).ok());
  auto n = model.node(a);
  EXPECT_EQ(n->last_drain_status, "canceled");
  EXPECT_EQ(n->scheduling_eligibility, "eligible");
  EXPECT_EQ(on(a), 1u);
}

TEST_F(NomadModelTest, DownNodeLosesAndReplacesItsWork) {
  std::string a = node("a"), b = node("b");
  service("web", 2, 1000);
  loop.run();
  ASSERT_TRUE(model.set_node_down(a).ok());
  loop.run_until(loop.now() + std::chrono::minutes(1));  // well before the node GC
  EXPECT_EQ(count(NomadAllocEvent::Kind::kLost), 2);
  EXPECT_EQ(on(b), 2u);
  EXPECT_EQ(model.node(a)->status, "down");
  ASSERT_TRUE(model.purge_node(a).ok());
  EXPECT_FALSE(model.node(a).ok());
  EXPECT_EQ(model.node(a).error().message, "node not found");
  EXPECT_EQ(model.list_nodes({}).size(), 1u);
}

TEST_F(NomadModelTest, DownNodesAreCollectedAfterTheGcThreshold) {
  model.set_node_gc_threshold(std::chrono::hours(2));
  std::string a = node("a"), b = node("b"), c = node("c");
  ASSERT_TRUE(model.set_node_down(a).ok());
  loop.run_until(loop.now() + std::chrono::hours(1));
  ASSERT_TRUE(model.set_node_down(b).ok());
  loop.run_until(loop.now() + std::chrono::minutes(61));  // a: 2h01m down, b: 1h01m
  ASSERT_EQ(model.list_nodes({}).size(), 2u);
  EXPECT_FALSE(model.node(a).ok());
  EXPECT_EQ(model.node(b)->status, "down");
  EXPECT_EQ(model.node_id_by_name("c"), c);
  loop.run_until(loop.now() + std::chrono::hours(1));
  ASSERT_EQ(model.list_nodes({}).size(), 1u);
  EXPECT_EQ(model.list_nodes({})[0]->id, c);
}

TEST_F(NomadModelTest, ScaleJobAddsAndRemovesAllocations) {
  std::string a = node("a", 8000);
  service("web", 2, 1000);
  loop.run();
  ASSERT_TRUE(model.scale_job("web", "g", 5).ok());
  loop.run();
  EXPECT_EQ(on(a), 5u);
  EXPECT_EQ(model.job_scale_status("web")->task_groups.at("g").desired, 5);
  EXPECT_EQ(model.job_scale_status("web")->task_groups.at("g").running, 5);
  ASSERT_TRUE(model.scale_job("web", "g", 1).ok());
  EXPECT_EQ(model.job_scale_status("web")->task_groups.at("g").running, 1);
  EXPECT_EQ(model.all_allocations().size(), 1u);  // the stopped ones are terminal at once
  EXPECT_EQ(on(a), 5u);                           // and their client stops them in 5 s
  loop.run_until(loop.now() + 5s);
  EXPECT_EQ(on(a), 1u);
  EXPECT_FALSE(model.scale_job("web", "nope", 1).ok());
  EXPECT_FALSE(model.scale_job("nope", "g", 1).ok());
  EXPECT_FALSE(model.scale_job("web", "g", -1).ok());
}

TEST_F(NomadModelTest, ListFiltersByClassAndIndexesGrow) {
  node("a");
  model.register_node({"gpu-1", "gpu", "dc1", "default", 4000, 8192, {}});
  EXPECT_EQ(model.list_nodes({"gpu", "", ""}).size(), 1u);
  EXPECT_EQ(model.list_nodes({}).size(), 2u);
  auto nodes = model.list_nodes({});
  EXPECT_LT(nodes[0]->create_index, nodes[1]->create_index);
  EXPECT_EQ(model.node_id_by_name("gpu-1"), nodes[1]->id);
  EXPECT_EQ(model.node(nodes[1]->id)->meta.at("unique.hostname"), "gpu-1");
  EXPECT_EQ(nodes[0]->id.size(), 36u);
  EXPECT_NE(nodes[0]->id, nodes[1]->id);
  // A listed stub is a snapshot: a later change makes a new stub, the old one stays.
  ASSERT_TRUE(model.set_eligibility(nodes[0]->id, false).ok());
  EXPECT_EQ(nodes[0]->scheduling_eligibility, "eligible");
  EXPECT_EQ(model.list_nodes({})[0]->scheduling_eligibility, "ineligible");
  EXPECT_EQ(model.list_nodes({})[1], nodes[1]);  // unchanged nodes share their stub
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// Built with += rather than operator+ (GCC 12 warns falsely on "x" + std::to_string(i)).
std::string numbered(const char* prefix, std::uint64_t i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

void expect_same(const NomadModel::Totals& a, const NomadModel::Totals& b, int step) {
  EXPECT_EQ(a.nodes_ready, b.nodes_ready) << step;
  EXPECT_EQ(a.cpu_capacity, b.cpu_capacity) << step;
  EXPECT_EQ(a.memory_capacity, b.memory_capacity) << step;
  EXPECT_EQ(a.cpu_allocated, b.cpu_allocated) << step;
  EXPECT_EQ(a.memory_allocated, b.memory_allocated) << step;
  EXPECT_EQ(a.allocs_running, b.allocs_running) << step;
  EXPECT_EQ(a.allocs_pending, b.allocs_pending) << step;
  EXPECT_EQ(a.cpu_pending, b.cpu_pending) << step;
  EXPECT_EQ(a.memory_pending, b.memory_pending) << step;
}

TEST_F(NomadModelTest, RunningTotalsMatchARecount) {
  std::mt19937_64 rng(42);
  std::vector<std::string> nodes;
  ASSERT_TRUE(model.register_job({"sys", "system", {{"agent", 1, 100, 64, std::nullopt}}}).ok());
  for (int step = 0; step < 400; ++step) {
    auto pick = [&] { return nodes[rng() % nodes.size()]; };
    switch (nodes.empty() ? 0 : rng() % 8) {
      case 0:
        nodes.push_back(model.register_node({numbered("n", static_cast<std::uint64_t>(step)),
                                             step % 3 ? "a" : "b",
                                             "dc1",
                                             "default",
                                             4000,
                                             8192,
                                             {}}));
        break;
      case 1:
        static_cast<void>(model.register_job({numbered("j", static_cast<std::uint64_t>(step)),
                                              rng() % 2 ? "service" : "batch",
                                              {{"g", static_cast<std::int64_t>(rng() % 5),
                                                500 + static_cast<std::int64_t>(rng() % 2000), 256,
                                                std::chrono::seconds(30 + rng() % 300)}}}));
        break;
      case 2:
        static_cast<void>(model.drain_node(
            pick(), NomadDrainSpec{std::chrono::seconds(rng() % 120), rng() % 2 == 0}, false));
        break;
      case 3:
        static_cast<void>(model.drain_node(pick(), std::nullopt, true));
        break;
      case 4:
        static_cast<void>(model.set_eligibility(pick(), rng() % 2 == 0));
        break;
      case 5:
        static_cast<void>(model.set_node_down(pick()));
        break;
      case 6:
        static_cast<void>(
            model.scale_job(numbered("j", rng() % static_cast<std::uint64_t>(step + 1)), "g",
                            static_cast<std::int64_t>(rng() % 6)));
        break;
      default:
        static_cast<void>(model.purge_node(pick()));
        break;
    }
    loop.run_until(loop.now() + std::chrono::seconds(rng() % 60));
    expect_same(model.totals(), model.totals_by_scan(), step);
    expect_same(model.totals("a"), model.totals_by_scan("a"), step);
    if (HasFailure()) return;
  }
  EXPECT_GT(model.totals().allocs_running, 0);
}

}  // namespace
}  // namespace ha
