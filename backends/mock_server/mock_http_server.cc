#include "backends/mock_server/mock_http_server.h"

#include <httplib.h>

#include <chrono>

#include "backends/mock_server/server_setup.h"

namespace ha {

MockHttpServer::MockHttpServer(RealtimeLoop& loop, std::unique_ptr<httplib::Server> server)
    : loop_(loop), server_(std::move(server)) {
  configure_mock_server(*server_);
}

MockHttpServer::~MockHttpServer() {
  stop();
}

Result<int> MockHttpServer::start(const std::string& host, int port) {
  if (!server_->is_valid()) {
    return make_error(
        "cannot use the TLS certificate, key or client CA (missing, unreadable or not PEM)",
        ErrorKind::kInvalid);
  }
  int bound = bind_mock_server(*server_, host, port);
  if (bound < 0) {
    return make_error("cannot listen on " + host + ":" + std::to_string(port),
                      ErrorKind::kUnavailable);
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Serving before returning: a stop() before the listener runs would leave it blocked.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return bound;
}

void MockHttpServer::stop() {
  stopping_ = true;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ha
