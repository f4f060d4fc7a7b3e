// A Nomad that requires client certificates (tls { verify_https_client = true }) and whose
// certificate names server.global.nomad, not the address it is reached at: the HTTP client
// gets through with the client certificate and tls_server_name, and not without either.
#include <gtest/gtest.h>

#include <thread>

#include "backends/http/nomad_http_api.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "base/event_loop.h"

namespace ha {
namespace {

const std::string kData = std::string(HA_SOURCE_DIR) + "/tests/data/";

struct NomadMutualTlsTest : ::testing::Test {
  RealtimeLoop server_loop;
  NomadModel model{server_loop};
  std::thread server_thread;
  std::unique_ptr<NomadMockServer> server;
  int port = 0;

  void SetUp() override {
    static_cast<void>(
        model.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}}));
    server_thread = std::thread([this] { server_loop.run(); });
    NomadMockServer::Options o;
    o.tls_cert = kData + "test-nomad-server.crt";
    o.tls_key = kData + "test-nomad-server.key";
    o.client_ca = kData + "test-client-ca.crt";
    server = std::make_unique<NomadMockServer>(server_loop, model, o);
    auto bound = server->start("127.0.0.1", 0);
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    port = *bound;
  }
  void TearDown() override {
    server->stop();
    server_loop.stop();
    server_thread.join();
  }
  Result<NodeList> list(bool client_cert, std::string server_name) {
    RealtimeLoop loop;
    HttpTransport::Options o;
    o.max_attempts = 1;
    o.ca_file = kData + "test-nomad-server.crt";
    o.tls_server_name = std::move(server_name);
    if (client_cert) {
      o.client_cert_file = kData + "test-client.crt";
      o.client_key_file = kData + "test-client.key";
    }
    HttpTransport transport(loop, o);
    NomadHttpApi api(transport, {"https://127.0.0.1:" + std::to_string(port), "", "", ""});
    std::optional<Result<NodeList>> out;
    loop.post([&] {
      api.list_nodes({}, [&](Result<NodeList> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }
};

TEST_F(NomadMutualTlsTest, AClientCertificateAndTheServersNameGetThrough) {
  auto nodes = list(true, "server.global.nomad");
  ASSERT_TRUE(nodes.ok()) << nodes.error().message;
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->at(0)->name, "web-1");
}

TEST_F(NomadMutualTlsTest, WithoutAClientCertificateTheHandshakeFails) {
  auto nodes = list(false, "server.global.nomad");
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.error().kind, ErrorKind::kUnavailable) << nodes.error().message;
}

TEST_F(NomadMutualTlsTest, WithoutTheServersNameItsCertificateDoesNotVerify) {
  auto nodes = list(true, "");  // 127.0.0.1 is not a name the certificate carries
  ASSERT_FALSE(nodes.ok());
  EXPECT_NE(nodes.error().message.find("127.0.0.1"), std::string::npos) << nodes.error().message;
}

}  // namespace
}  // namespace ha
