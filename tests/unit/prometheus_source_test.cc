// The prometheus source against a fake Prometheus HTTP API on 127.0.0.1: which endpoint and
// parameters each query uses, every result type, and the errors.
#include "backends/http/prometheus_source.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <thread>

#include "backends/runtime/realtime_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct FakePrometheus {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  int status = 200;
  std::string body;
  std::string last_path, last_query, last_time, last_start, last_end, last_step, last_auth;
  FakePrometheus() {
    auto answer = [this](const httplib::Request& req, httplib::Response& res) {
      last_path = req.path;
      last_query = req.get_param_value("query");
      last_time = req.get_param_value("time");
      last_start = req.get_param_value("start");
      last_end = req.get_param_value("end");
      last_step = req.get_param_value("step");
      last_auth = req.get_header_value("Authorization");
      res.status = status;
      res.set_content(body, "application/json");
    };
    server.Get("/api/v1/query", answer);
    server.Get("/api/v1/query_range", answer);
    server.set_keep_alive_max_count(1);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~FakePrometheus() {
    server.stop();
    thread.join();
  }
};

struct PrometheusTest : ::testing::Test {
  FakePrometheus prom;
  RealtimeLoop loop;
  HttpTransport transport{loop, [] {
                            HttpTransport::Options o;
                            o.max_attempts = 2;
                            o.backoff_base = 1ms;
                            return o;
                          }()};
  PrometheusSource source{transport,
                          {"http://127.0.0.1:" + std::to_string(prom.port) + "/", "prom-token"}};
  Result<TimeSeries> run(const std::string& q, TimeRange range) {
    std::optional<Result<TimeSeries>> out;
    loop.post([&] {
      source.query(q, range, [&](Result<TimeSeries> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }
};

TEST_F(PrometheusTest, InstantQueryReadsAVector) {
  prom.body = R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"node_class":"hashistack"},"value":[1764068400.5,"71.25"]}]}})";
  Time t = seconds(1764068400.5);
  auto r = run("avg(nomad_client_allocated_cpu)", {t, t});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->front().value, 71.25);
  EXPECT_EQ(r->front().time, t);
  EXPECT_EQ(prom.last_path, "/api/v1/query");
  EXPECT_EQ(prom.last_query, "avg(nomad_client_allocated_cpu)");
  EXPECT_EQ(prom.last_time, "1764068400.500");
  EXPECT_EQ(prom.last_auth, "Bearer prom-token");
}

TEST_F(PrometheusTest, RangeQueryReadsAMatrixWithOneSecondSteps) {
  prom.body = R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{},"values":[[1000,"1"],[1001,"2.5"],[1002,"NaN"]]}]}})";
  auto r = run("sum(x)", {seconds(940), seconds(1000)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1].value, 2.5);
  EXPECT_TRUE(std::isnan((*r)[2].value));
  EXPECT_EQ(prom.last_path, "/api/v1/query_range");
  EXPECT_EQ(prom.last_start, "940.000");
  EXPECT_EQ(prom.last_end, "1000.000");
  EXPECT_EQ(prom.last_step, "1s");
}

TEST_F(PrometheusTest, ScalarsAndEmptyResults) {
  prom.body = R"({"status":"success","data":{"resultType":"scalar","result":[5,"3"]}})";
  auto r = run("scalar(y)", {seconds(5), seconds(5)});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->front().value, 3);
  prom.body = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
  r = run("absent", {seconds(5), seconds(5)});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(PrometheusTest, ErrorsNameTheQuery) {
  struct Case {
    int status;
    std::string body, expect;
  };
  for (const Case& c : std::vector<Case>{
           {200, R"({"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}})",
            "query returned 2 metric streams, only 1 is expected"},
           {400, R"({"status":"error","errorType":"bad_data","error":"parse error at char 4"})",
            "bad_data: parse error at char 4"},
           {200, "<html>", "not a JSON object"},
           {200, R"({"status":"success","data":{"resultType":"string","result":[1,"x"]}})",
            "result type \"string\" is not supported"},
           {200, R"({"status":"success","data":{"resultType":"vector","result":[
                {"value":[1,"lots"]}]}})",
            "value \"lots\" is not a number"},
           {503, "overloaded", "503"},
       }) {
    prom.status = c.status;
    prom.body = c.body;
    auto r = run("q{x=\"1\"}", {seconds(1), seconds(1)});
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
    if (c.status == 200 || c.status == 400) {
      EXPECT_NE(r.error().message.find("q{x=\"1\"}"), std::string::npos) << r.error().message;
    }
    EXPECT_EQ(r.error().message.find("prom-token"), std::string::npos);
  }
}

}  // namespace
}  // namespace ha
