// Server settings and request delays shared by the mock servers.
#pragma once

#include <httplib.h>

#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace ha {

// A client such as HttpTransport keeps a connection open per request in flight (keep-alive),
// and cpp-httplib holds one pool thread per open connection. With its default pool (about
// the core count) a burst of parallel requests waits for idle connections to time out
// (seconds). The mocks serve as many connections at once as the clients open.
constexpr std::size_t kMockServerThreads = 128;

inline void configure_mock_server(httplib::Server& server) {
  server.new_task_queue = [] { return new httplib::ThreadPool(kMockServerThreads); };
  server.set_keep_alive_max_count(100000);  // the default (5) reconnects every 5 requests
  server.set_tcp_nodelay(true);             // small answers go out at once (no delayed-ACK stalls)
  server.set_keep_alive_timeout(2);
}

// Binds host:port (0: any free port); returns the port, or -1. cpp-httplib listens with a
// backlog of 5 (compiled into Debian's library): a burst of 50 new connections would lose
// SYNs and wait a second or more for each retry, so the backlog is raised after binding.
inline int bind_mock_server(httplib::Server& server, const std::string& host, int port) {
  auto fd = std::make_shared<int>(-1);
  server.set_socket_options([fd](socket_t sock) {
    httplib::default_socket_options(sock);
    *fd = static_cast<int>(sock);
  });
  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound >= 0 && *fd >= 0) ::listen(*fd, 1024);
  return bound;
}

// An injected network or server latency (for benchmarks and fault tests): called first in
// each request's pre-routing handler; it holds a server thread, never the model's loop.
inline void inject_delay(std::chrono::milliseconds delay) {
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
}

}  // namespace ha
