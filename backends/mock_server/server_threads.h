// Server settings shared by the mock servers.
#pragma once

#include <httplib.h>

namespace ha {

// A client such as HttpTransport keeps a connection open per request in flight (keep-alive),
// and cpp-httplib holds one pool thread per open connection. With its default pool (about
// the core count) a burst of parallel requests waits for idle connections to time out
// (seconds). The mocks serve as many connections at once as the clients open.
constexpr std::size_t kMockServerThreads = 128;

inline void configure_mock_server(httplib::Server& server) {
  server.new_task_queue = [] { return new httplib::ThreadPool(kMockServerThreads); };
  server.set_tcp_nodelay(true);  // small answers go out at once (no delayed-ACK stalls)
  server.set_keep_alive_timeout(2);
}

}  // namespace ha
