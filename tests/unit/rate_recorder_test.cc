// record --rate-query: the load read from Prometheus (our mock of its query API) in requests
// of at most max_points points, continued where the last fetch ended, a failed query kept
// and asked again, the state resumed; and what a group with a load becomes in the scenario
// (rate_services.h): its estimates, its policy (which our own parser reads back), or why it
// stays in the trace.
#include "agent/record/rate_recorder.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "agent/record/rate_services.h"
#include "backends/mock_server/prometheus_mock_server.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

TEST(RateQueryTest, ParsesJobGroupAndQuery) {
  auto q = parse_rate_query(R"(web/fe=sum(rate(x{a="b=c"}[1m])))");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->job, "web");
  EXPECT_EQ(q->group, "fe");
  EXPECT_EQ(q->query, R"(sum(rate(x{a="b=c"}[1m])))");
  auto other_ns = parse_rate_query("shop/web/fe=q");
  ASSERT_TRUE(other_ns.ok());
  EXPECT_EQ(other_ns->job, "shop/web") << "NAMESPACE/ID, as the recording names jobs";
  EXPECT_EQ(other_ns->group, "fe");
  auto every = parse_rate_query(R"(*=sum(rate(req{job="{{job}}",tg="{{group}}"}[1m])))");
  ASSERT_TRUE(every.ok()) << every.error().message;
  EXPECT_EQ(every->job, "*");
  for (const char* bad : {"web=x", "/fe=x", "web/fe", "web/=x", "web/fe= ", "*=sum(req)"}) {
    auto r = parse_rate_query(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("JOB/GROUP=QUERY"), std::string::npos);
  }
}

struct RateRecorderTest : ::testing::Test {
  // Loop time is Unix time; the mock's model time is the same (speed 1 from the epoch).
  RealtimeLoop loop{1.0, seconds(1'000'000)};
  PrometheusMockServer server{loop,
                              {{{{"__name__", "load"}, {"job", "web"}},
                                [](Time t) { return std::optional<double>(to_seconds(t)); }}},
                              {1.0, Duration(0), ""}};
  int port = [this] {
    auto p = server.start("127.0.0.1", 0);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : 0;
  }();
  HttpTransport transport{loop, {}};
  PrometheusSource prometheus{transport, {"http://127.0.0.1:" + std::to_string(port), ""}};
  std::thread thread{[this] { loop.run(); }};
  ~RateRecorderTest() override {
    server.stop();
    loop.stop();
    thread.join();
  }
  // The cluster's clock: 500 s behind the loop's.
  RateRecorder make(std::vector<RecordedLoad> queries) {
    return RateRecorder(prometheus, std::move(queries), [](Time t) { return t - seconds(500); },
                        {1s, 1, 5});
  }
  void fetch(RateRecorder& r, Time since) {
    std::promise<void> done;
    loop.post([&] { r.fetch(since, loop.now(), [&] { done.set_value(); }); });
    done.get_future().wait();
  }
};

TEST_F(RateRecorderTest, ReadsTheLoadInBoundedRequestsAndGoesOnWhereItEnded) {
  RecordedLoad good{"web", "fe", R"(load{job="web"})", {}};
  RecordedLoad bad{"api", "g", "sum(load)", {}};
  RateRecorder recorder = make({good, bad});
  Time since = loop.now() - 20s;
  fetch(recorder, since);
  const RecordedLoad& web = recorder.loads()[0];
  EXPECT_EQ(web.last_error, "");
  ASSERT_GE(web.points.size(), 21u);
  EXPECT_LE(web.points.size(), 22u);
  EXPECT_GE(web.requests, 5) << "21 points at most 5 a request";
  for (const MetricPoint& p : web.points) {
    EXPECT_NEAR(p.value, to_seconds(p.time) + 500, 1e-3) << "on the cluster's clock";
  }
  // A failed query keeps its error and has no points; the next fetch asks again.
  const RecordedLoad& api = recorder.loads()[1];
  EXPECT_NE(api.last_error.find("selectors only"), std::string::npos) << api.last_error;
  EXPECT_TRUE(api.points.empty());

  std::this_thread::sleep_for(1500ms);
  std::size_t before = web.points.size();
  std::int64_t requests = web.requests;
  fetch(recorder, since);
  EXPECT_EQ(web.requests, requests + 1) << "only what is new";
  EXPECT_GE(web.points.size(), before + 1);
  for (std::size_t i = 1; i < web.points.size(); ++i) {
    EXPECT_NEAR(to_seconds(web.points[i].time - web.points[i - 1].time), 1.0, 1e-6)
        << "no point twice, none missed";
  }
  EXPECT_EQ(api.requests, 2);

  // A template adds a query per group that has none; the explicit one stays.
  RateRecorder templated = make({good, {"*", "", R"(load{job="{{job}}",g="{{group}}"})", {}}});
  templated.add_groups(
      {{"default", "web", "fe"}, {"", "api", "g"}, {"default", "api", "g"}, {"shop", "api", "g"}});
  ASSERT_EQ(templated.loads().size(), 3u);
  EXPECT_EQ(templated.loads()[0].query, good.query);
  EXPECT_EQ(templated.loads()[1].query, R"(load{job="api",g="g"})");
  EXPECT_EQ(templated.loads()[2].job, "shop/api") << "another namespace's job stays apart";
  // ... and a resumed recording gets back the groups the template gave.
  RateRecorder templated_again = make({{"*", "", "x{j=\"{{job}}\"}", {}}});
  ASSERT_TRUE(templated_again.load(templated.save()).ok());
  EXPECT_EQ(templated_again.loads().size(), 3u);
  EXPECT_EQ(templated_again.loads()[2].query, R"(load{job="api",g="g"})");

  // Saved and loaded into a recorder of the same queries: the points, and where to go on.
  RateRecorder resumed = make({good, bad});
  ASSERT_TRUE(resumed.load(recorder.save()).ok());
  EXPECT_EQ(resumed.loads()[0].points.size(), web.points.size());
  EXPECT_EQ(resumed.loads()[0].points.back().value, web.points.back().value);
  auto broken = resumed.load(nlohmann::json::array({{{"job", "web"}, {"group", "fe"}}}));
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("rates[0]"), std::string::npos);
}

// Load 10 over 10 minutes; two allocations until 300 s, then one.
struct RateServiceTest : ::testing::Test {
  RecordedLoad load{"web", "fe", "q", {}};
  WorkloadRecorder::GroupRuns runs{500, 256, {{Time(0), std::nullopt}, {Time(0), seconds(300)}}};
  RateServiceTest() {
    for (int i = -2; i < 10; ++i) load.points.push_back({seconds(60.0 * i), 10});
  }
};

TEST_F(RateServiceTest, EstimatesCapacityAndTargetFromTheLoadEachAllocationCarried) {
  RateService s = rate_service(load, runs, nullptr, Time(0), seconds(600), "web", "fe");
  ASSERT_TRUE(s.files) << s.seen.dump();
  EXPECT_EQ(s.seen["per_alloc_capacity"], 10.0) << "p95 of 5 (x5) and 10 (x5)";
  EXPECT_EQ(s.seen["target_load_per_alloc"], 5.0);
  EXPECT_EQ(s.seen["running"]["least"], 1);
  EXPECT_EQ(s.seen["running"]["most"], 2);
  EXPECT_EQ(s.files->csv.substr(0, s.files->csv.find('\n', 14) + 1), "time_s,value\n0.000,10\n")
      << "the last point before the start holds at 0; the earlier one is dropped";
  EXPECT_EQ(s.files->workload["alloc"]["cpu_mhz"], 500);
  EXPECT_EQ(s.files->workload["policy"], "policies/service-web.fe.hcl");

  Diagnostics diags;
  auto policies = parse_policies(s.files->policy, "service.hcl", diags);
  ASSERT_TRUE(diags.empty()) << s.files->policy;
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policies[0].min, 1);
  EXPECT_EQ(policies[0].max, 4) << "twice the most seen";
  EXPECT_EQ(s.files->workload["initial_count"], 2) << "running at the start";
  EXPECT_EQ(policies[0].target.name, "nomad-target");
  EXPECT_EQ(policies[0].target.config.at("Job"), "web");
  EXPECT_EQ(policies[0].checks.at(0).query, "load_per_alloc");
}

TEST_F(RateServiceTest, NomadsOwnPolicyGivesTheLimitsAndANameIsQuoted) {
  NomadScalingPolicy nomad;
  nomad.id = "p1";
  nomad.min = 3;
  nomad.max = 40;
  nomad.policy = {{"cooldown", "1m"}, {"evaluation_interval", "20s"}};
  RateService s = rate_service(load, runs, &nomad, Time(0), seconds(600), "we\"b", "fe");
  ASSERT_TRUE(s.files);
  Diagnostics diags;
  auto policies = parse_policies(s.files->policy, "service.hcl", diags);
  ASSERT_TRUE(diags.empty()) << s.files->policy;
  EXPECT_EQ(policies.at(0).min, 3);
  EXPECT_EQ(policies.at(0).max, 40);
  EXPECT_EQ(policies.at(0).cooldown, 1min);
  EXPECT_EQ(policies.at(0).target.config.at("Job"), "we\"b");
  EXPECT_EQ(s.seen["policy_limits_from"], "Nomad's policy p1");
}

TEST_F(RateServiceTest, WithoutAnAllocationRunningTheGroupStaysInTheTrace) {
  WorkloadRecorder::GroupRuns none;
  RateService s = rate_service(load, none, nullptr, Time(0), seconds(600), "web", "fe");
  EXPECT_FALSE(s.files);
  EXPECT_NE(s.seen.value("kept_in_trace", "").find("no point at which an allocation"),
            std::string::npos);
  RecordedLoad empty{"web", "fe", "q", {}};
  s = rate_service(empty, runs, nullptr, Time(0), seconds(600), "web", "fe");
  EXPECT_FALSE(s.files);
  EXPECT_NE(s.seen.value("kept_in_trace", "").find("no point of its load"), std::string::npos);
}

}  // namespace
}  // namespace ha
