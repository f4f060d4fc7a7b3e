// The agent in-process against the mock Nomad: task-group policies read from Nomad's
// /v1/scaling/policies are evaluated and scale the job over HTTP; a bad one is skipped. Two
// agents with high availability: one scales, the other stands by and takes over.
#include "agent/agent.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <sstream>
#include <thread>

#include "backends/mock_server/nomad_mock_server.h"
#include "backends/runtime/stream_logger.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct AgentWithMockNomad : ::testing::Test {
  RealtimeLoop server_loop;
  NomadModel model{server_loop};
  NomadMockServer server{server_loop, model, {}};
  std::thread server_thread;
  int port = 0;

  void SetUp() override {
    model.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}});
    model.register_node({"web-2", "hashistack", "dc1", "default", 4000, 8192, {}});
    ASSERT_TRUE(model.register_job({"api", "service", {{"g", 2, 500, 256, std::nullopt}}}).ok());
    NomadScalingPolicy good;
    good.namespace_ = "default";
    good.job = "api";
    good.group = "g";
    good.min = 1;
    good.max = 5;
    good.policy = nlohmann::json::parse(R"({
      "evaluation_interval": "200ms", "cooldown": "1s",
      "check": [{"fixed": [{"source": "nomad-apm", "query": "node_count",
                            "strategy": [{"fixed-value": [{"value": 4}]}]}]}]})");
    model.add_scaling_policy(good);
    NomadScalingPolicy bad = good;
    bad.group = "other";
    bad.policy["check"][0]["fixed"][0]["source"] = "datadog";
    model.add_scaling_policy(bad);
    server_thread = std::thread([this] { server_loop.run(); });
    port = *server.start("127.0.0.1", 0);
  }
  void TearDown() override {
    server.stop();
    server_loop.stop();
    server_thread.join();
  }
  std::int64_t desired() {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get("/v1/job/api/scale");
    return nlohmann::json::parse(r->body)["TaskGroups"]["g"]["Desired"].get<std::int64_t>();
  }
};

TEST_F(AgentWithMockNomad, EvaluatesTaskGroupPoliciesReadFromNomad) {
  AgentConfig config;
  config.nomad_address = "http://127.0.0.1:" + std::to_string(port);
  config.harvester_url = "http://127.0.0.1:1";  // no cluster policy: never reached
  config.http_bind_port = 0;
  config.shutdown_timeout = 5s;
  std::ostringstream lines;
  StreamLogger log(lines, {LogLevel::kInfo, true, true});
  Agent agent(config, log);
  auto http = agent.start();
  ASSERT_TRUE(http.ok()) << http.error().message;
  for (int i = 0; i < 100 && desired() != 4; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(desired(), 4) << lines.str();
  EXPECT_TRUE(agent.shutdown());
  std::string metrics = agent.metrics().render();
  EXPECT_NE(metrics.find("harvester_autoscaler_policies 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("harvester_autoscaler_errors_total{source=\"policy_source\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(lines.str().find("skipping Nomad scaling policy"), std::string::npos);
  EXPECT_NE(lines.str().find("datadog"), std::string::npos) << lines.str();
  EXPECT_NE(lines.str().find("\"from_nomad\":\"1\""), std::string::npos) << lines.str();
}

TEST_F(AgentWithMockNomad, WithHighAvailabilityOneScalesAndAStandbyTakesOver) {
  AgentConfig config;
  config.nomad_address = "http://127.0.0.1:" + std::to_string(port);
  config.harvester_url = "http://127.0.0.1:1";
  config.http_bind_port = 0;
  config.shutdown_timeout = 5s;
  config.high_availability.enabled = true;
  config.high_availability.lock_ttl = 10s;
  config.high_availability.lock_delay = 1s;
  std::ostringstream lines_a, lines_b;
  StreamLogger log_a(lines_a, {LogLevel::kInfo, true, true});
  StreamLogger log_b(lines_b, {LogLevel::kInfo, true, true});
  auto a = std::make_unique<Agent>(config, log_a);
  ASSERT_TRUE(a->start().ok());
  for (int i = 0; i < 100 && desired() != 4; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(desired(), 4) << lines_a.str();
  Agent b(config, log_b);
  ASSERT_TRUE(b.start().ok());
  std::this_thread::sleep_for(1s);  // two of the standby's tries
  EXPECT_NE(a->metrics().render().find("harvester_autoscaler_leader 1\n"), std::string::npos);
  std::string standby = b.metrics().render();
  EXPECT_NE(standby.find("harvester_autoscaler_leader 0\n"), std::string::npos) << standby;
  EXPECT_NE(standby.find("harvester_autoscaler_policies 0\n"), std::string::npos) << standby;

  // The leader stops (releasing the lock); the job is set back; the standby takes over.
  EXPECT_TRUE(a->shutdown());
  a.reset();
  std::promise<Result<Unit>> set_back;
  server_loop.post([&] { set_back.set_value(model.scale_job("api", "g", 2)); });
  ASSERT_TRUE(set_back.get_future().get().ok());
  EXPECT_EQ(desired(), 2);
  for (int i = 0; i < 100 && desired() != 4; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(desired(), 4) << lines_b.str();
  EXPECT_NE(b.metrics().render().find("harvester_autoscaler_leader 1\n"), std::string::npos);
  EXPECT_NE(lines_a.str().find("lock released"), std::string::npos) << lines_a.str();
  EXPECT_TRUE(b.shutdown());
}

}  // namespace
}  // namespace ha
