// MockHttpServer: what both mock servers (Nomad, Harvester) do alike. It owns a cpp-httplib
// server (plain or TLS) set up for many parallel keep-alive clients (server_setup.h), binds
// it and serves on a background thread, stops it, and hands model accesses to the loop's
// thread, so that a model is only ever touched there.
//
// A derived server adds its routes to http() in its constructor and must call stop() in its
// own destructor: the handlers use its members, which are gone before this base's
// destructor runs.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "backends/runtime/realtime_loop.h"
#include "base/result.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace ha {

class MockHttpServer {
 public:
  MockHttpServer(const MockHttpServer&) = delete;
  MockHttpServer& operator=(const MockHttpServer&) = delete;

  // Binds host:port (0: any free port) and serves on a background thread; returns the
  // port, once it serves.
  Result<int> start(const std::string& host, int port);
  // Stops serving and joins the thread; safe to call twice. Long requests (watches) see
  // stopping() and end within a fraction of a second.
  void stop();
  bool stopping() const { return stopping_.load(); }

 protected:
  // `server` must be non-null (an httplib::SSLServer serves HTTPS).
  MockHttpServer(RealtimeLoop& loop, std::unique_ptr<httplib::Server> server);
  ~MockHttpServer();

  httplib::Server& http() { return *server_; }
  RealtimeLoop& loop() { return loop_; }

  // Runs f on the loop's thread, waits for it and returns its result (from a request
  // thread; never from the loop's own thread).
  template <typename F>
  auto on_loop(F f) -> decltype(f()) {
    std::promise<decltype(f())> result;
    loop_.post([&] { result.set_value(f()); });
    return result.get_future().get();
  }

 private:
  RealtimeLoop& loop_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace ha
