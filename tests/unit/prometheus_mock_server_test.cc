// The mock Prometheus query API, read by our own prometheus source (the client the agent
// and `record` use) and by a plain HTTP client: selectors, instant and range queries on
// model time sped up against the wall clock, and Prometheus' errors.
#include "backends/mock_server/prometheus_mock_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "backends/http/prometheus_source.h"

namespace ha {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr double kSpeed = 100;                                      // model seconds per wall second
constexpr Duration kWallStart = std::chrono::hours(24 * 365 * 50);  // some Unix time

struct PrometheusMockServerTest : ::testing::Test {
  RealtimeLoop loop{kSpeed};
  std::vector<PrometheusMockServer::Series> series() {
    return {{{{"__name__", "service_load"}, {"job", "web"}, {"group", "fe"}},
             [](Time t) { return std::optional<double>(to_seconds(t)); }},
            {{{"__name__", "service_load"}, {"job", "api"}, {"group", "g"}},
             [](Time) { return std::optional<double>(7); }},
            {{{"__name__", "service_running"}, {"job", "web"}, {"group", "fe"}},
             [](Time t) { return t < seconds(50) ? std::nullopt : std::optional<double>(3); }}};
  }
  PrometheusMockServer server{loop, series(), {kSpeed, kWallStart, "secret"}};
  int port = [this] {
    auto p = server.start("127.0.0.1", 0);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : 0;
  }();
  HttpTransport transport{loop, {}};
  PrometheusSource source{transport, {"http://127.0.0.1:" + std::to_string(port), "secret"}};
  std::thread thread{[this] { loop.run(); }};

  ~PrometheusMockServerTest() override {
    server.stop();
    loop.stop();
    thread.join();
  }
  double unix_of(double model_seconds) const {
    return to_seconds(kWallStart) + model_seconds / kSpeed;
  }
  Result<TimeSeries> range(const std::string& q, double from, double to, Duration step) {
    std::promise<Result<TimeSeries>> out;
    loop.post([&] {
      source.query_range(q, {seconds(unix_of(from)), seconds(unix_of(to))}, step,
                         [&](Result<TimeSeries> r) { out.set_value(std::move(r)); });
    });
    return out.get_future().get();
  }
  httplib::Result get(const std::string& path_and_query, bool with_token = true) {
    httplib::Client client("127.0.0.1", port);
    httplib::Headers headers;
    if (with_token) headers.emplace("Authorization", "Bearer secret");
    return client.Get(path_and_query.c_str(), headers);
  }
};

TEST_F(PrometheusMockServerTest, ARangeQueryStepsThroughModelTimeUpToNow) {
  std::this_thread::sleep_for(1100ms);  // the model is past 100 s
  // Model seconds 0..80, every 0.2 wall seconds (20 model seconds).
  auto r = range(R"(service_load{job="web", group = "fe"})", 0, 80, 200ms);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  for (std::size_t i = 0; i < r->size(); ++i) {
    EXPECT_NEAR((*r)[i].value, 20.0 * static_cast<double>(i), 0.01);
    EXPECT_NEAR(to_seconds((*r)[i].time), unix_of(20.0 * static_cast<double>(i)), 0.001);
  }
  // A series with no value before 50 s, and a range reaching past the model's now.
  r = range(R"(service_running{job="web"})", 0, 1e6, 1s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(r->empty());
  EXPECT_GE(to_seconds(r->front().time), unix_of(50));
  EXPECT_LT(r->size(), 100u) << "points after now are not served";
  // Two series match: our client (as upstream's plugin) wants one.
  r = range("service_load", 0, 80, 1s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("returned 2 metric streams"), std::string::npos)
      << r.error().message;
}

TEST_F(PrometheusMockServerTest, InstantQueriesAnswerAVectorWithItsLabels) {
  std::this_thread::sleep_for(200ms);
  char path[256];
  std::snprintf(path, sizeof path,
                "/api/v1/query?query=service_load%%7Bjob%%3D%%22api%%22%%7D&time=%.3f",
                unix_of(10));
  auto res = get(path);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = json::parse(res->body);
  EXPECT_EQ(body["data"]["resultType"], "vector");
  ASSERT_EQ(body["data"]["result"].size(), 1u);
  EXPECT_EQ(body["data"]["result"][0]["metric"]["group"], "g");
  EXPECT_EQ(body["data"]["result"][0]["metric"]["__name__"], "service_load");
  EXPECT_EQ(body["data"]["result"][0]["value"][1], "7");
  // POST with a form body, as Prometheus' clients may send it.
  httplib::Client client("127.0.0.1", port);
  auto posted =
      client.Post("/api/v1/query", {{"Authorization", "Bearer secret"}},
                  "query=service_load%7Bjob%3D%22api%22%7D", "application/x-www-form-urlencoded");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 200) << posted->body;
  EXPECT_NE(posted->body.find("\"7\""), std::string::npos) << posted->body;
  // A selector no series matches: success, empty.
  res = get("/api/v1/query?query=service_load%7Bjob%3D%22none%22%7D");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["data"]["result"].size(), 0u);
}

TEST_F(PrometheusMockServerTest, ErrorsAreAnsweredAsPrometheusAnswersThem) {
  auto expect_bad = [this](const std::string& path, const std::string& says) {
    auto res = get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << path;
    json body = json::parse(res->body, nullptr, false);
    EXPECT_EQ(body.value("status", ""), "error") << res->body;
    EXPECT_EQ(body.value("errorType", ""), "bad_data") << res->body;
    EXPECT_NE(body.value("error", "").find(says), std::string::npos) << res->body;
  };
  expect_bad("/api/v1/query?query=sum(service_load)", "selectors only");
  expect_bad("/api/v1/query?query=service_load%7Bjob~%22x%22%7D", "label matcher");
  expect_bad("/api/v1/query", "\"query\"");
  expect_bad("/api/v1/query_range?query=service_load&start=0&end=1", "\"step\": missing");
  expect_bad("/api/v1/query_range?query=service_load&start=x&end=1&step=1", "\"start\"");
  expect_bad("/api/v1/query_range?query=service_load&start=10&end=1&step=1", "before start");
  expect_bad("/api/v1/query_range?query=service_load&start=0&end=1&step=0", "negative");
  expect_bad("/api/v1/query_range?query=service_load&start=0&end=86400&step=1s", "11,000 points");
  auto res = get("/api/v1/query?query=service_load", false);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  res = get("/api/v1/labels");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

}  // namespace
}  // namespace ha
