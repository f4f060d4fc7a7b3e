// Shared by the contract suites (one contract, two implementations): a backend API either
// from the in-memory model, or from the HTTP client talking to the mock server over that
// model on 127.0.0.1 (the model on a loop and thread of its own, as in emulate). Each
// backend gives its client a RealtimeLoop; sync() makes one call and waits for its answer.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "backends/http/http_transport.h"
#include "backends/memory/latency.h"
#include "backends/runtime/realtime_loop.h"

namespace ha::testing {

template <typename Api>
class ContractBackend {
 public:
  virtual ~ContractBackend() = default;
  virtual Api& api() = 0;
  RealtimeLoop& loop() { return loop_; }

 protected:
  RealtimeLoop loop_;  // the client's
};

// Api over Model through MemoryApi, with no latency. `setup` fills the model first.
template <typename Api, typename Model, typename MemoryApi>
class MemoryContractBackend final : public ContractBackend<Api> {
 public:
  template <typename... ModelArgs>
  explicit MemoryContractBackend(const std::function<void(Model&)>& setup, ModelArgs&&... args)
      : model_(this->loop_, std::forward<ModelArgs>(args)...),
        api_(this->loop_, model_, Latency::constant(std::chrono::seconds(0))) {
    if (setup) setup(model_);
  }
  Api& api() override { return api_; }

 private:
  Model model_;
  MemoryApi api_;
};

// Api as Client over HTTP to a Server over Model. `setup` fills the model before its loop
// starts; `client_options` makes the client's options for the server's base URL.
template <typename Api, typename Model, typename Server, typename Client>
class HttpContractBackend final : public ContractBackend<Api> {
 public:
  template <typename... ModelArgs>
  HttpContractBackend(const std::function<void(Model&)>& setup,
                      typename Server::Options server_options,
                      std::function<typename Client::Options(const std::string&)> client_options,
                      ModelArgs&&... args)
      : model_(server_loop_, std::forward<ModelArgs>(args)...),
        server_(server_loop_, model_, std::move(server_options)) {
    if (setup) setup(model_);
    server_thread_ = std::thread([this] { server_loop_.run(); });
    auto port = server_.start("127.0.0.1", 0);
    EXPECT_TRUE(port.ok());
    HttpTransport::Options quick;  // retries in milliseconds, not seconds
    quick.backoff_base = std::chrono::milliseconds(5);
    quick.backoff_cap = std::chrono::milliseconds(20);
    transport_ = std::make_unique<HttpTransport>(this->loop_, quick);
    api_ = std::make_unique<Client>(
        *transport_, client_options("http://127.0.0.1:" + std::to_string(port.ok() ? *port : 0)));
  }
  ~HttpContractBackend() override {
    api_.reset();
    transport_.reset();
    server_.stop();
    server_loop_.stop();
    server_thread_.join();
  }
  Api& api() override { return *api_; }

 private:
  RealtimeLoop server_loop_;
  Model model_;
  Server server_;
  std::thread server_thread_;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<Client> api_;
};

// The suites are parameterized by "memory" or "http".
template <typename Api>
class ContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Makes one call, runs the client's loop until it answers, and returns the answer.
  template <typename T, typename F>
  Result<T> sync(F call) {
    std::optional<Result<T>> out;
    RealtimeLoop& loop = backend->loop();
    loop.post([&] {
      call(backend->api(), [&](Result<T> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }
  // Runs the client's loop until `until()` holds or `limit` has passed (watches, streams).
  void run_until(const std::function<bool()>& until,
                 std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    RealtimeLoop& loop = backend->loop();
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::function<void()> check = [&] {
      if (until() || std::chrono::steady_clock::now() > deadline) {
        loop.stop();
      } else {
        loop.after(std::chrono::milliseconds(5), check);
      }
    };
    loop.post(check);
    loop.run();
  }
  std::unique_ptr<ContractBackend<Api>> backend;
};

}  // namespace ha::testing
