// The mock servers' request handling: raw bytes (one or more HTTP requests, or garbage)
// sent over loopback to the mock Nomad (first byte even) or Harvester (odd) server. Any
// input gets an answer or a closed connection; the servers never crash and keep serving.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "backends/memory/harvester_seed.h"
#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "fuzz_input.h"

namespace {

struct Servers {
  ha::RealtimeLoop loop;
  ha::NomadModel nomad{loop};
  ha::HarvesterModel harvester{loop, &nomad, ha::HarvesterModelConfig{}};
  std::unique_ptr<ha::NomadMockServer> nomad_server;
  std::unique_ptr<ha::HarvesterMockServer> harvester_server;
  std::thread loop_thread;
  int ports[2] = {0, 0};

  Servers() {
    nomad.register_node({"web-1", "hashistack", "dc1", "default", 4000, 8192, {}});
    static_cast<void>(nomad.register_job({"api", "service", {{"g", 1, 500, 256, std::nullopt}}}));
    ha::seed_group_objects(harvester, "nomad", "default/image-ubuntu", "default/vlan1");
    loop_thread = std::thread([this] { loop.run(); });
    nomad_server =
        std::make_unique<ha::NomadMockServer>(loop, nomad, ha::NomadMockServer::Options{});
    harvester_server = std::make_unique<ha::HarvesterMockServer>(
        loop, harvester, ha::HarvesterMockServer::Options{});
    ports[0] = nomad_server->start("127.0.0.1", 0).value();
    ports[1] = harvester_server->start("127.0.0.1", 0).value();
  }
};

Servers& servers() {
  static Servers* s = new Servers();  // never destroyed: libFuzzer exits without cleanup
  return *s;
}

// connect() that outlives signals: libFuzzer's timeout timer (SIGALRM) interrupts a connect
// in progress with EINTR while the handshake goes on; wait for it to finish then.
bool connect_retrying(int fd, const sockaddr_in& addr) {
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINTR) return false;
  pollfd p{fd, POLLOUT, 0};
  int ready;
  do {
    ready = poll(&p, 1, 2000);
  } while (ready < 0 && errno == EINTR);
  int error = 0;
  socklen_t len = sizeof error;
  if (ready != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return false;
  errno = error;
  return error == 0;
}

// Sends `bytes`, half-closes, and reads until the server closes or 2 s pass; returns
// whether the connection could be made.
bool exchange(int port, const char* bytes, std::size_t size) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    std::perror("socket");
    return false;
  }
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!connect_retrying(fd, addr)) {
    std::perror("connect to 127.0.0.1");
    close(fd);
    return false;
  }
  std::size_t sent = 0;
  while (sent < size) {
    ssize_t n = send(fd, bytes + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  close(fd);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Servers& s = servers();
  int port = s.ports[data[0] % 2];
  if (!exchange(port, reinterpret_cast<const char*>(data + 1), size - 1)) __builtin_trap();
  // Still serving: a well-formed request right after gets through.
  static const char kPing[] =
      "GET /v1/status/leader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  static const char kVersion[] = "GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const char* ping = data[0] % 2 ? kVersion : kPing;
  if (!exchange(port, ping, std::strlen(ping))) __builtin_trap();
  return 0;
}
