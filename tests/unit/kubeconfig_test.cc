// Harvester connection settings from a kubeconfig (yaml-cpp), and a real TLS request made
// with the CA and token it gives.
#include "backends/http/kubeconfig.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "backends/http/harvester_http_api.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/runtime/text_file.h"

namespace ha {
namespace {

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

struct KubeconfigTest : ::testing::Test {
  // (append, not +: GCC 12 warns falsely about + chains it inlines)
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      std::string("kubeconfig-")
          .append(std::to_string(::getpid()))
          .append("-")
          .append(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::string crt = std::string(HA_SOURCE_DIR).append("/tests/data/test-server.crt");
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  std::string config(const std::string& cluster_extra, const std::string& user) {
    return "apiVersion: v1\nkind: Config\ncurrent-context: local\n"
           "clusters:\n- name: harvester\n  cluster:\n    server: https://127.0.0.1:6443\n" +
           cluster_extra +
           "contexts:\n- name: local\n  context: {cluster: harvester, user: admin}\n"
           "- name: other\n  context: {cluster: harvester, user: robot}\n"
           "users:\n- name: admin\n  user:\n" +
           user + "- name: robot\n  user:\n    tokenFile: robot.token\n";
  }
};

TEST_F(KubeconfigTest, ReadsServerCaDataAndTokenOfTheCurrentContext) {
  std::string pem = *read_text_file(crt);
  auto path = write("config", config("    certificate-authority-data: " + base64(pem) + "\n",
                                     "    token: admin-token\n"));
  write("robot.token", "robot-token\n");
  auto c = read_kubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->token, "admin-token");
  EXPECT_EQ(c->ca_pem, pem);
  EXPECT_FALSE(c->insecure);
  auto robot = read_kubeconfig(path, "other");  // tokenFile, relative to the kubeconfig
  ASSERT_TRUE(robot.ok()) << robot.error().message;
  EXPECT_EQ(robot->token, "robot-token");
}

TEST_F(KubeconfigTest, CaFileIsRelativeToTheKubeconfig) {
  auto path = write("config", config("    certificate-authority: ca.crt\n"
                                     "    insecure-skip-tls-verify: true\n",
                                     "    token: t\n"));
  auto c = read_kubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->ca_file, (dir / "ca.crt").string());
  EXPECT_TRUE(c->insecure);
}

TEST_F(KubeconfigTest, ErrorsNameTheFileAndEntryButNotTheToken) {
  struct Case {
    std::string text, context, expect;
  };
  for (const Case& k : std::vector<Case>{
           {"clusters: [", "", "not valid YAML"},
           {"- a\n- b\n", "", "expected a Config mapping"},
           {config("", "    token: s3cr3t\n"), "missing", "no context named \"missing\""},
           {config("", "    client-certificate-data: AAAA\n"), "",
            "a client certificate needs its key"},
           {config("", "    exec: {command: x}\n"), "", "exec and auth-provider plugins"},
           {config("", "    client-key-data: '%%%'\n    client-certificate: c.crt\n"), "",
            "client-key-data: not valid base64"},
           {config("", "    username: x\n"), "",
            "users.admin: no token, tokenFile or client certificate"},
           {config("    certificate-authority-data: '%%%'\n", "    token: s3cr3t\n"), "",
            "certificate-authority-data: not valid base64"},
       }) {
    auto path = write("bad", k.text);
    auto c = read_kubeconfig(path, k.context);
    ASSERT_FALSE(c.ok()) << k.text;
    EXPECT_NE(c.error().message.find("kubeconfig " + path), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find(k.expect), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("s3cr3t"), std::string::npos);
  }
}

// The CA and token from a kubeconfig get through TLS verification and bearer auth of the
// mock Harvester served with the test certificate.
TEST_F(KubeconfigTest, ConnectsOverTlsWithTheKubeconfigsCaAndToken) {
  RealtimeLoop server_loop;
  HarvesterModel model{server_loop, nullptr, HarvesterModelConfig{}};
  std::thread server_thread([&] { server_loop.run(); });
  HarvesterMockServer::Options options;
  options.token = "admin-token";
  options.tls_cert = crt;
  options.tls_key = std::string(HA_SOURCE_DIR) + "/tests/data/test-server.key";
  HarvesterMockServer server(server_loop, model, options);
  int port = *server.start("127.0.0.1", 0);
  auto path = write("config",
                    "apiVersion: v1\ncurrent-context: c\nclusters:\n- name: h\n"
                    "  cluster:\n    server: https://127.0.0.1:" +
                        std::to_string(port) +
                        "\n    certificate-authority-data: " + base64(*read_text_file(crt)) +
                        "\ncontexts:\n- name: c\n  context: {cluster: h, user: u}\n"
                        "users:\n- name: u\n  user: {token: admin-token}\n");
  auto k = read_kubeconfig(path);
  ASSERT_TRUE(k.ok()) << k.error().message;
  RealtimeLoop loop;
  HttpTransport::Options o;
  o.ca_pem = k->ca_pem;
  std::optional<Result<VmList>> out;
  {
    HttpTransport transport(loop, o);
    HarvesterHttpApi api(transport, {k->server, k->token});
    loop.post([&] {
      api.list_vms("default", "", [&](Result<VmList> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
  }
  server.stop();
  server_loop.stop();
  server_thread.join();
  ASSERT_TRUE(out->ok()) << out->error().message;
  EXPECT_TRUE(out->value().empty());
}

// RKE2's rke2.yaml: the admin's client certificate and key as data, no token. The mock
// Harvester asks for client certificates of its client CA, as kube-apiserver does.
TEST_F(KubeconfigTest, ConnectsWithAnRke2ClientCertificate) {
  const std::string data = std::string(HA_SOURCE_DIR) + "/tests/data/";
  RealtimeLoop server_loop;
  HarvesterModel model{server_loop, nullptr, HarvesterModelConfig{}};
  std::thread server_thread([&] { server_loop.run(); });
  HarvesterMockServer::Options options;
  options.token = "admin-token";
  options.tls_cert = crt;
  options.tls_key = data + "test-server.key";
  options.client_ca = data + "test-client-ca.crt";
  HarvesterMockServer server(server_loop, model, options);
  auto port = server.start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  auto path = write(
      "rke2.yaml",
      "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: " +
          base64(*read_text_file(crt)) +
          "\n    server: https://127.0.0.1:" + std::to_string(*port) +
          "\n  name: default\ncontexts:\n- context:\n    cluster: default\n"
          "    user: default\n  name: default\ncurrent-context: default\n"
          "kind: Config\nusers:\n- name: default\n  user:\n"
          "    client-certificate-data: " +
          base64(*read_text_file(data + "test-client.crt")) +
          "\n    client-key-data: " + base64(*read_text_file(data + "test-client.key")) + "\n");
  auto k = read_kubeconfig(path);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_TRUE(k->token.empty());
  auto list = [&](bool with_cert) {
    RealtimeLoop loop;
    HttpTransport::Options o;
    o.ca_pem = k->ca_pem;
    o.max_attempts = 1;
    if (with_cert) {
      o.client_cert_pem = k->client_cert_pem;
      o.client_key_pem = k->client_key_pem;
    }
    std::optional<Result<VmList>> out;
    HttpTransport transport(loop, o);
    HarvesterHttpApi api(transport, {k->server, k->token});
    loop.post([&] {
      api.list_vms("default", "", [&](Result<VmList> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  };
  auto with = list(true);
  auto without = list(false);
  server.stop();
  server_loop.stop();
  server_thread.join();
  ASSERT_TRUE(with.ok()) << with.error().message;
  ASSERT_FALSE(without.ok());
  EXPECT_NE(without.error().message.find("401"), std::string::npos) << without.error().message;
}

}  // namespace
}  // namespace ha
