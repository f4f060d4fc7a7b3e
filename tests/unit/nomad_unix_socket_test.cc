// A Nomad task's API socket (NOMAD_UNIX_ADDR, client/taskenv/env.go): the agent reaches
// Nomad through a Unix domain socket, as Nomad's api package does with a unix:// address.
// The mock server listens on TCP only (cpp-httplib 0.11 has no Unix sockets), so a relay
// in the test accepts on a socket and passes each connection's bytes to it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <atomic>
#include <cstdio>
#include <thread>

#include "agent/agent_config.h"
#include "agent/nomad_tls.h"
#include "backends/http/nomad_http_api.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "base/event_loop.h"

namespace ha {
namespace {

// Accepts on `path` and relays each connection to 127.0.0.1:`port`, one at a time.
class SocketRelay {
 public:
  SocketRelay(std::string path, int port) : path_(std::move(path)), port_(port) {
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    ::unlink(path_.c_str());
    ok_ = ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
          ::listen(listener_, 8) == 0;
    thread_ = std::thread([this] { run(); });
  }
  ~SocketRelay() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
    ::unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  int connections() const { return connections_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int in = ::accept(listener_, nullptr, nullptr);
      if (in < 0) continue;
      ++connections_;
      int out = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in t{};
      t.sin_family = AF_INET;
      t.sin_port = htons(static_cast<std::uint16_t>(port_));
      t.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(out, reinterpret_cast<sockaddr*>(&t), sizeof t) == 0) pump(in, out);
      ::close(in);
      ::close(out);
    }
  }
  void pump(int a, int b) {
    char buf[16384];
    while (!stop_) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 50) < 0) return;
      for (int i = 0; i < 2; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
        ssize_t n = ::read(p[i].fd, buf, sizeof buf);
        if (n <= 0) return;
        if (::write(i == 0 ? b : a, buf, static_cast<std::size_t>(n)) != n) return;
      }
    }
  }
  std::string path_;
  int port_;
  int listener_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(NomadUnixSocket, TheAgentsNomadClientGoesThroughTheTaskApiSocket) {
  RealtimeLoop server_loop;
  NomadModel model{server_loop};
  static_cast<void>(model.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}}));
  std::thread server_thread([&] { server_loop.run(); });
  NomadMockServer server(server_loop, model, {});
  auto port = server.start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  std::string socket = ::testing::TempDir() + "nomad-api-" + std::to_string(::getpid()) + ".sock";
  {
    SocketRelay relay(socket, *port);
    ASSERT_TRUE(relay.ok());
    AgentConfig c;
    c.nomad_address = "unix://" + socket;
    EXPECT_EQ(c.nomad_socket(), socket);
    EXPECT_EQ(c.nomad_url(), "http://localhost");
    RealtimeLoop loop;
    HttpTransport::Options o = with_nomad_tls({}, c);
    o.max_attempts = 1;
    HttpTransport transport(loop, o);
    NomadHttpApi api(transport, {c.nomad_url(), "", "", ""});
    std::optional<Result<NodeList>> out;
    loop.post([&] {
      api.list_nodes({}, [&](Result<NodeList> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    ASSERT_TRUE(out && out->ok()) << (out ? out->error().message : "no answer");
    ASSERT_EQ((*out)->size(), 1u);
    EXPECT_EQ((*out)->at(0)->name, "web-1");
    EXPECT_GE(relay.connections(), 1);
  }
  server.stop();
  server_loop.stop();
  server_thread.join();
}

}  // namespace
}  // namespace ha
