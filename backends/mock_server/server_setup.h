// Server settings and request delays shared by the mock servers.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

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

// A JSON answer with `status`.
inline void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Answers what no route handled (and any error left without a body, such as a malformed
// request line) in the upstream shape: a path matching one of `known` (route regexes) with
// another method gets 405, an unknown path 404, anything else keeps its status. `answer`
// writes the body for the status.
inline void answer_unrouted(httplib::Server& server, const std::vector<std::string>& known,
                            std::function<void(httplib::Response&, int)> answer) {
  std::vector<std::regex> patterns;
  for (const std::string& k : known) patterns.emplace_back(k);
  httplib::Server::HandlerWithResponse handler =
      [patterns = std::move(patterns), answer = std::move(answer)](const httplib::Request& req,
                                                                   httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 404) {
          bool known_path =
              std::any_of(patterns.begin(), patterns.end(),
                          [&req](const std::regex& r) { return std::regex_match(req.path, r); });
          if (known_path) res.status = 405;
        }
        answer(res, res.status);
        return httplib::Server::HandlerResponse::Handled;
      };
  server.set_error_handler(std::move(handler));
}

// An injected network or server latency (for benchmarks and fault tests): called first in
// each request's pre-routing handler; it holds a server thread, never the model's loop.
inline void inject_delay(std::chrono::milliseconds delay) {
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
}

}  // namespace ha
