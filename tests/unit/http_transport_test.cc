// HttpTransport against a tiny server on 127.0.0.1 that fails on purpose: retries with
// backoff on 5xx/429 and connection errors, no retry on 4xx, errors that name the request
// but never its headers.
#include "backends/http/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/runtime/realtime_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct FlakyServer {
  httplib::Server server;
  std::thread thread;
  std::atomic<int> hits{0};
  int port = 0;
  int fail_first = 2;
  int fail_status = 503;
  FlakyServer() {
    server.Get("/flaky", [this](const httplib::Request&, httplib::Response& res) {
      if (++hits <= fail_first) {
        res.status = fail_status;
        res.set_content("try again", "text/plain");
      } else {
        res.set_content("\"ok\"", "application/json");
      }
    });
    server.Get("/v1/event/stream", [](const httplib::Request&, httplib::Response& res) {
      // A heartbeat, a frame, a line cut short (a proxy's doing), a frame: ends there.
      res.set_content(
          "{}\n{\"Index\":7,\"Events\":[{\"Topic\":\"Deployment\",\"Type\":\"X\"}]}\n"
          "{\"Index\":8,\"Eve\n{\"Index\":9,\"Events\":[{\"Topic\":\"Evaluation\",\"Type\":\"Y\"}]}"
          "\n",
          "application/json");
    });
    server.Get("/v1/node/x", [this](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.status = 404;
      res.set_content("node not found", "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~FlakyServer() {
    server.stop();
    thread.join();
  }
};

struct HttpTransportTest : ::testing::Test {
  RealtimeLoop loop;
  HttpTransport::Options options() {
    HttpTransport::Options o;
    o.backoff_base = 5ms;
    o.backoff_cap = 20ms;
    o.timeout = 2s;
    return o;
  }
  Result<HttpResponse> get(HttpTransport& t, const std::string& url) {
    std::optional<Result<HttpResponse>> out;
    loop.post([&] {
      HttpRequest r;
      r.url = url;
      r.path = "/flaky";
      r.headers["X-Nomad-Token"] = "very-secret";
      t.send(r, [&](Result<HttpResponse> res) {
        out = std::move(res);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }
};

TEST_F(HttpTransportTest, RetriesServerErrorsThenSucceeds) {
  FlakyServer s;
  HttpTransport t(loop, options());
  auto r = get(t, "http://127.0.0.1:" + std::to_string(s.port) + "/flaky");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "\"ok\"");
  EXPECT_EQ(r->headers.at("content-type"), "application/json");
  EXPECT_EQ(s.hits, 3);
  EXPECT_EQ(t.attempts(), 3u);
}

TEST_F(HttpTransportTest, GivesUpAfterMaxAttemptsWithTheLastAnswer) {
  FlakyServer s;
  s.fail_first = 100;
  s.fail_status = 429;
  HttpTransport t(loop, options());
  auto r = get(t, "http://127.0.0.1:" + std::to_string(s.port) + "/flaky");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(s.hits, 4);
}

TEST_F(HttpTransportTest, ConnectionErrorsNameTheRequestNotTheToken) {
  HttpTransport t(loop, options());
  auto r = get(t, "http://127.0.0.1:1/flaky");  // nothing listens on port 1
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().message.rfind("GET /flaky: ", 0), 0u) << r.error().message;
  EXPECT_EQ(r.error().message.find("very-secret"), std::string::npos);
  EXPECT_EQ(t.attempts(), 4u);
}

TEST_F(HttpTransportTest, NomadClientDoesNotRetryNotFound) {
  FlakyServer s;
  HttpTransport t(loop, options());
  NomadHttpApi::Options o;
  o.address = "http://127.0.0.1:" + std::to_string(s.port) + "/";
  o.token = "very-secret";
  NomadHttpApi api(t, o);
  std::optional<Result<NomadNode>> out;
  loop.post([&] {
    api.get_node("x", [&](Result<NomadNode> r) {
      out = std::move(r);
      loop.stop();
    });
  });
  loop.run();
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(out->error().message, "GET /v1/node/x: 404 node not found");
  EXPECT_EQ(s.hits, 1);
}

// A line of the event stream that is not a frame is reported with the index before it, and
// the stream goes on to the next frame.
TEST_F(HttpTransportTest, NomadEventStreamSkipsAnUnreadableLine) {
  FlakyServer s;
  HttpTransport t(loop, options());
  NomadHttpApi api(t, {"http://127.0.0.1:" + std::to_string(s.port), "", "", ""});
  std::vector<NomadEventFrame> frames;
  std::optional<Result<Unit>> end;
  std::unique_ptr<WatchHandle> stream;
  loop.post([&] {
    stream = api.stream_events(
        {"Deployment"}, 0, [&](const NomadEventFrame& f) { frames.push_back(f); },
        [&](Result<Unit> r) {
          end = std::move(r);
          loop.stop();
        });
  });
  loop.run();
  ASSERT_TRUE(end && end->ok()) << (end ? end->error().message : "no end");
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_TRUE(frames[0].heartbeat());
  EXPECT_EQ(frames[1].index, 7u);
  ASSERT_EQ(frames[2].skipped.size(), 1u);
  EXPECT_EQ(frames[2].skipped[0].rfind("GET /v1/event/stream: after index 7: not JSON: ", 0), 0u)
      << frames[2].skipped[0];
  EXPECT_EQ(frames[3].index, 9u);
  EXPECT_EQ(frames[3].events.at(0).type, "Y");
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// TLS on by default: a self-signed server is refused without its CA, accepted with it, and
// accepted without it only when verification is switched off explicitly.
struct TlsTest : HttpTransportTest {
  std::string dir =
      HA_SOURCE_DIR "/tests/data/";  // no operator+: GCC 12 -Warray-bounds false positive
  RealtimeLoop server_loop;
  HarvesterModel model{server_loop, nullptr, HarvesterModelConfig{}};
  std::thread server_thread;
  std::unique_ptr<HarvesterMockServer> server;
  int port = 0;
  void SetUp() override {
    server_thread = std::thread([this] { server_loop.run(); });
    HarvesterMockServer::Options o;
    o.token = "tls-token";
    o.tls_cert = dir + "test-server.crt";
    o.tls_key = dir + "test-server.key";
    server = std::make_unique<HarvesterMockServer>(server_loop, model, o);
    auto bound = server->start("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    port = *bound;
  }
  void TearDown() override {
    server->stop();
    server_loop.stop();
    server_thread.join();
  }
  Result<VmList> list_with(HttpTransport::Options o) {
    HttpTransport t(loop, o);
    HarvesterHttpApi api(t, {"https://127.0.0.1:" + std::to_string(port), "tls-token"});
    std::optional<Result<VmList>> out;
    loop.post([&] {
      api.list_vms("nomad", "", [&](Result<VmList> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }
};

TEST_F(TlsTest, SelfSignedIsRejectedWithoutItsCa) {
  auto r = list_with(options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message.rfind("GET /apis/kubevirt.io/v1/namespaces/nomad/virtualmachines: ", 0), 0u)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("tls-token"), std::string::npos);
}

TEST_F(TlsTest, AcceptedWithItsCa) {
  auto o = options();
  o.ca_file = dir + "test-server.crt";
  auto r = list_with(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->empty());
}

TEST_F(TlsTest, AcceptedWithoutCaOnlyWhenInsecureIsAskedFor) {
  auto o = options();
  o.insecure = true;
  EXPECT_TRUE(list_with(o).ok());
}

TEST(MockServerTls, BadCertificateFilesAreAClearError) {
  RealtimeLoop loop;
  HarvesterModel model{loop, nullptr, HarvesterModelConfig{}};
  HarvesterMockServer::Options o;
  o.tls_cert = "/nonexistent.crt";
  o.tls_key = "/nonexistent.key";
  HarvesterMockServer server(loop, model, o);
  auto r = server.start("127.0.0.1", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent.crt"), std::string::npos);
}

}  // namespace
}  // namespace ha
