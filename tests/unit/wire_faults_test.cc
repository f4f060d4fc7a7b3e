// Bad answers and bad requests on the wire. The clients against a server that answers
// wrongly on purpose: every failure is an error naming the request and the status, bounded
// retries, no crash. The mock servers against garbage: upstream error shapes, still serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "backends/http/harvester_http_api.h"
#include "backends/http/nomad_http_api.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/runtime/realtime_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

// Answers every request with the scripted status, content type and body.
struct RogueServer {
  httplib::Server server;
  std::thread thread;
  std::atomic<int> hits{0};
  int status = 200;
  std::string content_type = "application/json", body;
  int port = 0;
  RogueServer() {
    auto answer = [this](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.status = status;
      res.set_content(body, content_type);
    };
    server.Get(".*", answer);
    server.Post(".*", answer);
    server.Put(".*", answer);
    server.Delete(".*", answer);
    server.set_keep_alive_max_count(1);  // no idle connection delays stop()
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~RogueServer() {
    server.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// Sends a header promising more body than it writes, then closes: a truncated answer.
struct TruncatingServer {
  int fd = -1, port = 0;
  std::atomic<int> hits{0};
  std::thread thread;
  TruncatingServer() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::listen(fd, 16);
    thread = std::thread([this] {
      while (true) {
        int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) return;
        ++hits;
        char buf[4096];
        static_cast<void>(::recv(c, buf, sizeof buf, 0));
        const char reply[] =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
            "[{\"ID\":\"n1\",\"Na";
        static_cast<void>(::send(c, reply, sizeof reply - 1, MSG_NOSIGNAL));
        ::close(c);
      }
    });
  }
  ~TruncatingServer() {
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    thread.join();
  }
};

struct ClientFaults : ::testing::Test {
  RealtimeLoop loop;
  HttpTransport transport{loop, [] {
                            HttpTransport::Options o;
                            o.backoff_base = 2ms;
                            o.backoff_cap = 10ms;
                            o.timeout = 2s;
                            o.max_attempts = 3;
                            return o;
                          }()};
  template <typename T, typename F>
  Result<T> sync(F call) {
    std::optional<Result<T>> out;
    loop.post([&] {
      call([&](Result<T> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }
  Result<NomadNode> get_node(const std::string& url) {
    NomadHttpApi api(transport, {url, "tok", "", ""});
    return sync<NomadNode>([&](Done<NomadNode> d) { api.get_node("n1", d); });
  }
  Result<VirtualMachine> create_vm(const std::string& url) {
    HarvesterHttpApi api(transport, {url, "tok"});
    auto spec = std::make_shared<VirtualMachineSpec>();
    spec->name = "vm-1";
    spec->namespace_ = "ns";
    return sync<VirtualMachine>([&](Done<VirtualMachine> d) { api.create_vm(*spec, d); });
  }
};

TEST_F(ClientFaults, MalformedJsonWrongTypeAndWrongShapeNameTheEndpoint) {
  RogueServer s;
  s.body = "{\"ID\": ";  // not JSON
  auto r = get_node(s.url());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalid);
  EXPECT_NE(r.error().message.find("GET /v1/node/n1: response is not JSON"), std::string::npos)
      << r.error().message;
  s.content_type = "text/html";
  s.body = "<html>login</html>";
  r = get_node(s.url());
  EXPECT_NE(r.error().message.find("content type \"text/html\""), std::string::npos)
      << r.error().message;
  s.content_type = "application/json";
  s.body = "[1, 2]";  // JSON, but not a Node
  r = get_node(s.url());
  EXPECT_NE(r.error().message.find("GET /v1/node/n1: unexpected response"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(s.hits, 3);  // none of these is retried
}

TEST_F(ClientFaults, StatusesMapToKindsWithoutRetriesAndNeverCarryTheToken) {
  RogueServer s;
  struct Case {
    int status;
    std::string body;
    ErrorKind kind;
  };
  for (const Case& c :
       {Case{401, R"({"kind":"Status","message":"Unauthorized"})", ErrorKind::kInvalid},
        Case{403, R"({"kind":"Status","message":"forbidden"})", ErrorKind::kInvalid},
        Case{409, R"({"kind":"Status","message":"vm-1 already exists"})", ErrorKind::kConflict},
        Case{404, R"({"kind":"Status","message":"not found"})", ErrorKind::kNotFound}}) {
    s.status = c.status;
    s.body = c.body;
    int before = s.hits;
    auto r = create_vm(s.url());
    ASSERT_FALSE(r.ok()) << c.status;
    EXPECT_EQ(r.error().kind, c.kind) << c.status;
    EXPECT_NE(r.error().message.find("POST /apis/kubevirt.io/v1/namespaces/ns/virtualmachines: " +
                                     std::to_string(c.status)),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find("tok"), std::string::npos) << r.error().message;
    EXPECT_EQ(s.hits - before, 1) << "4xx must not be retried";
  }
}

TEST_F(ClientFaults, ServerErrorsAreRetriedAFewTimesThenReported) {
  RogueServer s;
  s.status = 503;
  s.content_type = "text/plain";
  s.body = "no leader";
  auto r = get_node(s.url());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(s.hits, 3);  // max_attempts, no storm
}

TEST_F(ClientFaults, ATruncatedBodyIsAnErrorAfterBoundedRetries) {
  TruncatingServer s;
  NomadHttpApi api(transport, {"http://127.0.0.1:" + std::to_string(s.port), "", "", ""});
  auto r = sync<NodeList>([&](Done<NodeList> d) { api.list_nodes({}, d); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/v1/nodes"), std::string::npos) << r.error().message;
  EXPECT_LE(s.hits, 3);
}

// Garbage to the mock servers: raw bytes, and requests with malformed parts. They answer in
// the upstream shape and keep serving.
struct MockGarbage : ::testing::Test {
  RealtimeLoop loop;
  NomadModel nomad{loop};
  HarvesterModel harvester{loop, &nomad, HarvesterModelConfig{}};
  bool seeded = (harvester.add_namespace("ns"), true);
  NomadMockServer nomad_server{loop, nomad, {}};
  HarvesterMockServer harvester_server{loop, harvester, {}};
  std::thread loop_thread{[this] { loop.run(); }};
  int nomad_port = *nomad_server.start("127.0.0.1", 0);
  int harvester_port = *harvester_server.start("127.0.0.1", 0);
  ~MockGarbage() override {
    nomad_server.stop();
    harvester_server.stop();
    loop.stop();
    loop_thread.join();
  }
  static void send_raw(int port, const std::string& bytes) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      static_cast<void>(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL));
      ::shutdown(fd, SHUT_WR);
      char buf[1024];
      timeval tv{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      while (::recv(fd, buf, sizeof buf, 0) > 0) {
      }
    }
    ::close(fd);
  }
};

TEST_F(MockGarbage, RandomBytesAndBrokenRequestLinesDoNotStopTheServers) {
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    std::string junk(1 + rng() % 2000, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 4 == 0) junk = "GET /v1/nodes HTTP/9.9\r\nContent-Length: -5\r\n\r\n" + junk;
    if (i % 4 == 1) {  // (+= : GCC 12 -Warray-bounds false positive on operator+)
      junk = "PATCH ";
      junk += std::string(5000, '/');
      junk += " HTTP/1.1\r\n\r\n";
    }
    send_raw(i % 2 ? nomad_port : harvester_port, junk);
  }
  httplib::Client n("127.0.0.1", nomad_port), h("127.0.0.1", harvester_port);
  auto nodes = n.Get("/v1/nodes");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nodes->status, 200);
  auto version = h.Get("/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
}

TEST_F(MockGarbage, MalformedRequestsGetTheUpstreamStatusAndShape) {
  httplib::Client n("127.0.0.1", nomad_port), h("127.0.0.1", harvester_port);
  // Nomad: plain text.
  auto r = n.Put("/v1/node/abc/drain", "{", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.rfind("Request decode failed", 0), 0u) << r->body;
  r = n.Delete("/v1/nodes");
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->body, "Invalid method");
  r = n.Get("/v1/nope");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "");
  r = n.Put("/v1/job/none/scale", R"({"Count": 1, "Target": {"Group": "g"}})", "application/json");
  EXPECT_EQ(r->status, 404) << r->body;
  // Kubernetes: Status objects.
  const std::string vms = "/apis/kubevirt.io/v1/namespaces/ns/virtualmachines";
  auto status_of = [](const httplib::Result& res) {
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    EXPECT_EQ(j.value("kind", ""), "Status") << res->body;
    return std::pair{res->status, j.value("reason", "")};
  };
  EXPECT_EQ(status_of(h.Post(vms, "{", "application/json")),
            std::pair(400, std::string("BadRequest")));
  EXPECT_EQ(
      status_of(h.Post(vms, R"({"kind":"VirtualMachine","metadata":{}})", "application/json")),
      std::pair(422, std::string("Invalid")));
  // Harvester's validator wants the memory limit (or the guest's memory): requests alone,
  // what this product once sent, are refused.
  std::string requests_only =
      R"({"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"a","namespace":"ns"},"spec":{"running":true,"template":{"spec":{"domain":{"cpu":{"cores":1},"resources":{"requests":{"memory":"1Gi"}}}}}}})";
  auto refused = h.Post(vms, requests_only, "application/json");
  EXPECT_EQ(status_of(refused), std::pair(422, std::string("Invalid")));
  EXPECT_NE(refused->body.find("either memory.guest or resources.limits.memory must be set"),
            std::string::npos);
  std::string vm =
      R"({"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"a","namespace":"ns"},"spec":{"running":true,"template":{"spec":{"domain":{"cpu":{"cores":1},"resources":{"limits":{"memory":"1Gi"}}}}}}})";
  EXPECT_EQ(h.Post(vms, vm, "application/json")->status, 201);
  EXPECT_EQ(status_of(h.Post(vms, vm, "application/json")),
            std::pair(409, std::string("AlreadyExists")));
  EXPECT_EQ(status_of(h.Post(vms + "/a", vm, "application/json")),
            std::pair(405, std::string("MethodNotAllowed")));
  EXPECT_EQ(status_of(h.Get("/apis/nope")), std::pair(404, std::string("NotFound")));
  EXPECT_EQ(status_of(h.Patch(vms + "/a", "{}", "application/json")),
            std::pair(415, std::string("UnsupportedMediaType")));
  EXPECT_EQ(status_of(h.Delete(vms + "/missing")), std::pair(404, std::string("NotFound")));
}

}  // namespace
}  // namespace ha
