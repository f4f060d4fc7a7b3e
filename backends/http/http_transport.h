// HttpTransport: HTTP requests through libcurl's multi interface on one I/O thread, many in
// flight at once; every completion is posted to the EventLoop, so callers only ever run on
// the loop. Retries with capped exponential backoff and jitter (on the loop's clock) on
// connection errors, timeouts, 429 and 5xx. TLS peers are verified unless `insecure` is set
// explicitly; `ca_file` adds a CA bundle. Request headers (tokens) are never logged or put
// in error messages: an error names the method, the path and what went wrong.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "base/event_loop.h"
#include "base/result.h"

namespace ha {

struct HttpRequest {
  std::string method = "GET";
  std::string url;   // full URL: scheme://host:port/path?query
  std::string path;  // for messages: the path without query (never a secret)
  std::map<std::string, std::string> headers;
  std::string body;
  // Per attempt, instead of the transport's (a blocking query waits longer than a call).
  std::optional<Duration> timeout;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class HttpTransport {
 public:
  struct Options {
    Duration timeout = std::chrono::seconds(10);  // per attempt
    int max_attempts = 4;
    Duration backoff_base = std::chrono::milliseconds(200);
    Duration backoff_cap = std::chrono::seconds(5);
    std::string ca_file;    // extra CA bundle for TLS verification
    std::string ca_pem;     // or the CA certificates themselves (PEM), e.g. from a kubeconfig
    bool insecure = false;  // skip TLS verification: only when asked for explicitly
    // A client certificate and its key, for servers that want one (mutual TLS): as files, or
    // as PEM text (which wins). Never logged.
    std::string client_cert_file, client_key_file;
    std::string client_cert_pem, client_key_pem;
    // The name the server's certificate must carry when it is not the URL's host (a Nomad
    // server's `server.<region>.nomad` reached by address): sent as SNI and verified, while
    // the connection goes to the URL's host and port. Empty: the URL's host.
    std::string tls_server_name;
    std::string user_agent;  // the User-Agent header; empty: libcurl sends none
    // A Unix domain socket every request goes through (a Nomad task's API socket,
    // NOMAD_UNIX_ADDR): the URLs' host names the server only in the Host header.
    std::string unix_socket;
    // A fence for writes: when set, every attempt of a request other than GET or HEAD asks it
    // on the I/O thread just before the request goes out, and fails (kUnavailable, "not
    // sent: ...", not retried) when it says no. Must be thread-safe and quick.
    std::function<bool()> may_write;
  };

  HttpTransport(EventLoop& loop, Options options, std::uint64_t seed = 1);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // `done` runs on the loop with the final response (any status) or, after the retries, an
  // error (kUnavailable for connection failures and 5xx/429, kTimeout for timeouts).
  void send(HttpRequest request, std::function<void(Result<HttpResponse>)> done);

  // A long answer read as it arrives (a Kubernetes watch): `on_data` runs on the loop with
  // each piece of a 2xx body, in order; `done` once at the end with the response (its body:
  // a non-2xx answer's, empty otherwise) or an error. One attempt, no retries (the caller
  // knows where to resume); `timeout` bounds the whole answer. Setting the returned flag
  // stops it within about a second (an idle transfer is checked too); after that, neither
  // callback runs.
  std::shared_ptr<std::atomic<bool>> stream(HttpRequest request, Duration timeout,
                                            std::function<void(std::string)> on_data,
                                            std::function<void(Result<HttpResponse>)> done);

  EventLoop& loop() { return loop_; }

  // Requests sent so far, attempts included (for tests and metrics).
  std::uint64_t attempts() const { return attempts_; }
  // Bytes of every answer so far (headers and body; a stream's body as it arrives, its
  // headers when it ends), for the wire-cost measurements.
  std::uint64_t bytes_received() const { return bytes_received_; }

  // A request in flight (internal; public for libcurl's callbacks in the .cc).
  struct Pending;

 private:
  void attempt(std::shared_ptr<Pending> p);
  void finish_attempt(std::shared_ptr<Pending> p, Result<HttpResponse> r, bool retryable);
  void io_main();

  EventLoop& loop_;
  Options options_;
  std::mt19937_64 rng_;  // jitter; used on the loop only
  void* multi_;          // CURLM*
  std::mutex mu_;
  std::deque<std::shared_ptr<Pending>> queue_;  // submitted, not yet handed to curl
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> attempts_{0};
  std::atomic<std::uint64_t> bytes_received_{0};
  std::thread io_;
  // Completions already posted to the loop check it: none runs after the transport is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ha
