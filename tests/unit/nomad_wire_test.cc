// What a Nomad answer costs on the wire, as Nomad serves it: every answer but the event
// stream gzip-compressed for a client that accepts it (command/agent/http.go wraps its mux
// in gorilla's CompressHandler; event_endpoint.go drops the encoding of the hijacked
// stream), and `stale` reads (parseConsistency: empty or a Go bool, else a 400). The
// clients ask for both where they help: a cache's list of 300 nodes costs a tenth.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/http/http_transport.h"
#include "backends/http/nomad_http_api.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/mock_server/write_log.h"
#include "backends/runtime/realtime_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

struct NomadWireTest : ::testing::Test {
  RealtimeLoop server_loop;
  NomadModel model{server_loop};
  std::filesystem::path log_file = std::filesystem::temp_directory_path() /
                                   ("ha-nomad-wire-" + std::to_string(::getpid()) + ".jsonl");
  std::unique_ptr<WriteLog> reads = std::move(WriteLog::open(log_file.string(), true).value());
  std::unique_ptr<NomadMockServer> server;
  std::thread server_thread;
  int port = 0;

  void SetUp() override {
    for (int i = 0; i < 300; ++i) {
      static_cast<void>(model.register_node(
          {"web-" + std::to_string(i), "hashistack", "dc1", "default", 8000, 16384, {}}));
    }
    server_thread = std::thread([this] { server_loop.run(); });
    NomadMockServer::Options options;
    options.writes = reads.get();
    server = std::make_unique<NomadMockServer>(server_loop, model, options);
    auto started = server->start("127.0.0.1", 0);
    ASSERT_TRUE(started.ok()) << started.error().message;
    port = *started;
  }
  void TearDown() override {
    server->stop();
    server_loop.stop();
    server_thread.join();
    std::filesystem::remove(log_file);
  }
};

TEST_F(NomadWireTest, AnswersGzipWhenAskedAndTheEventStreamPlain) {
  httplib::Client client("127.0.0.1", port);
  client.set_decompress(false);
  auto plain = client.Get("/v1/nodes?resources=true");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  auto gzipped = client.Get("/v1/nodes?resources=true", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzipped);
  EXPECT_EQ(gzipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(gzipped->body.size() * 5, plain->body.size())
      << gzipped->body.size() << " of " << plain->body.size();
  std::string stream_encoding = "unread";
  client.Get(
      "/v1/event/stream?topic=Node", httplib::Headers{{"Accept-Encoding", "gzip"}},
      [&](const httplib::Response& r) {
        stream_encoding = r.get_header_value("Content-Encoding");
        return false;  // the headers are all this needs
      },
      [](const char*, std::size_t) { return false; });
  EXPECT_EQ(stream_encoding, "");
}

TEST_F(NomadWireTest, StaleIsEmptyOrABoolean) {
  httplib::Client client("127.0.0.1", port);
  EXPECT_EQ(client.Get("/v1/nodes?stale=")->status, 200);
  EXPECT_EQ(client.Get("/v1/nodes?stale=true")->status, 200);
  auto bad = client.Get("/v1/nodes?stale=sometimes");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "Expect `true` or `false` for `stale` query string parameter");
}

TEST_F(NomadWireTest, ACachesListIsReadStaleAndCompressed) {
  RealtimeLoop loop;
  HttpTransport transport(loop, HttpTransport::Options{});
  NomadHttpApi api(transport, {"http://127.0.0.1:" + std::to_string(port), "", "", ""});
  std::optional<Result<NodeListAt>> listed;
  loop.post([&] {
    api.watch_nodes({}, 0, 5s, [&](Result<NodeListAt> r) {
      listed = std::move(r);
      loop.stop();
    });
  });
  loop.run();
  ASSERT_TRUE(listed && listed->ok()) << (listed ? listed->error().message : "no answer");
  EXPECT_EQ((*listed)->nodes.size(), 300u);
  httplib::Client client("127.0.0.1", port);
  auto plain = client.Get("/v1/nodes?resources=true");
  ASSERT_TRUE(plain);
  EXPECT_LT(transport.bytes_received() * 5, plain->body.size())
      << transport.bytes_received() << " bytes received, " << plain->body.size() << " plain";
  std::ifstream log(log_file);
  std::string first;
  std::getline(log, first);
  EXPECT_NE(first.find("/v1/nodes?"), std::string::npos) << first;
  EXPECT_NE(first.find("stale="), std::string::npos) << first;
}

}  // namespace
}  // namespace ha
