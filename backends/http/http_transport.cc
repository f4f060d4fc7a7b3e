#include "backends/http/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "base/backoff.h"

#include <optional>
#include <string_view>

namespace ha {

struct HttpTransport::Pending {
  HttpRequest request;
  std::function<void(Result<HttpResponse>)> done;
  int attempt = 0;
  // Filled on the I/O thread for the current attempt.
  HttpResponse response;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;  // tls_server_name: where its name really connects
  char error[CURL_ERROR_SIZE] = {};
  // Streams only (stream()): pieces of a 2xx body go to `deliver` as they come, and
  // `cancelled` stops the transfer.
  std::function<void(std::string)> deliver;
  std::shared_ptr<std::atomic<bool>> cancelled;
  std::uint64_t streamed = 0;                         // body bytes delivered so far
  std::atomic<std::uint64_t>* count_bytes = nullptr;  // the transport's bytes_received_
  std::optional<Duration> timeout;
  void* easy = nullptr;  // CURL*, while running
};

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    static_cast<std::map<std::string, std::string>*>(user)->insert_or_assign(name, value);
  }
  return size * n;
}

// A stream's body: 2xx pieces are delivered at once, anything else kept for `done`.
std::size_t on_stream_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* p = static_cast<HttpTransport::Pending*>(user);
  if (p->cancelled->load()) return 0;  // aborts the transfer
  long status = 0;
  curl_easy_getinfo(static_cast<CURL*>(p->easy), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) {
    p->streamed += size * n;
    if (p->count_bytes) p->count_bytes->fetch_add(size * n);
    p->deliver(std::string(data, size * n));
  } else {
    p->response.body.append(data, size * n);
  }
  return size * n;
}

// Called about once a second even when nothing arrives: a cancelled idle stream stops too.
int on_stream_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<HttpTransport::Pending*>(user)->cancelled->load() ? 1 : 0;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// A URL whose certificate must carry `name` (not its host): the URL with `name` for its
// host, and where libcurl must connect instead (CURLOPT_CONNECT_TO "name:port:host:port").
struct NamedUrl {
  std::string url, connect_to;
};
std::optional<NamedUrl> with_server_name(const std::string& url, const std::string& name) {
  constexpr std::string_view kHttps = "https://";
  if (name.empty() || url.rfind(kHttps, 0) != 0) return std::nullopt;
  std::size_t end = url.find_first_of("/?", kHttps.size());
  std::string authority =
      url.substr(kHttps.size(), end == std::string::npos ? end : end - kHttps.size());
  std::string rest = end == std::string::npos ? "" : url.substr(end);
  std::size_t colon = authority.rfind(':');
  bool has_port = colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  std::string host = has_port ? authority.substr(0, colon) : authority;
  std::string port = has_port ? authority.substr(colon + 1) : "443";
  return NamedUrl{std::string(kHttps) + name + ":" + port + rest,
                  name + ":" + port + ":" + host + ":" + port};
}

}  // namespace

HttpTransport::HttpTransport(EventLoop& loop, Options options, std::uint64_t seed)
    : loop_(loop), options_(std::move(options)), rng_(seed) {
  static CurlGlobal global;
  multi_ = curl_multi_init();
  // Bounded, so that a burst of requests queues in curl instead of opening unbounded
  // connections to one server; high enough for 50 VM creations at once.
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
  io_ = std::thread([this] { io_main(); });
}

HttpTransport::~HttpTransport() {
  *alive_ = false;
  stopping_ = true;
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  io_.join();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void HttpTransport::send(HttpRequest request, std::function<void(Result<HttpResponse>)> done) {
  auto p = std::make_shared<Pending>();
  p->request = std::move(request);
  p->timeout = p->request.timeout;
  p->done = std::move(done);
  attempt(std::move(p));
}

std::shared_ptr<std::atomic<bool>> HttpTransport::stream(
    HttpRequest request, Duration timeout, std::function<void(std::string)> on_data,
    std::function<void(Result<HttpResponse>)> done) {
  auto p = std::make_shared<Pending>();
  p->request = std::move(request);
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  p->cancelled = cancelled;
  p->timeout = timeout;
  p->done = [cancelled, done = std::move(done)](Result<HttpResponse> r) {
    if (!cancelled->load()) done(std::move(r));
  };
  // On the I/O thread: each piece is posted to the loop, where it runs unless cancelled.
  p->deliver = [this, alive = std::weak_ptr<bool>(alive_), cancelled,
                on_data = std::make_shared<std::function<void(std::string)>>(std::move(on_data))](
                   std::string piece) {
    loop_.post([alive, cancelled, on_data, piece = std::move(piece)]() mutable {
      auto a = alive.lock();
      if (a && *a && !cancelled->load()) (*on_data)(std::move(piece));
    });
  };
  p->attempt = options_.max_attempts;  // one attempt: finish_attempt never retries it
  p->count_bytes = &bytes_received_;
  ++attempts_;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(p));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  return cancelled;
}

void HttpTransport::attempt(std::shared_ptr<Pending> p) {
  ++p->attempt;
  ++attempts_;
  p->response = HttpResponse{};
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(p));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

// On the loop: deliver, or try again after a backoff.
void HttpTransport::finish_attempt(std::shared_ptr<Pending> p, Result<HttpResponse> r,
                                   bool retryable) {
  if (!retryable || p->attempt >= options_.max_attempts) {
    p->done(std::move(r));
    return;
  }
  Duration wait = jittered_backoff(options_.backoff_base, options_.backoff_cap, p->attempt, rng_);
  loop_.after(wait, [this, alive = std::weak_ptr<bool>(alive_), p] {
    if (auto a = alive.lock(); a && *a) attempt(p);
  });
}

void HttpTransport::io_main() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::unordered_map<CURL*, std::shared_ptr<Pending>> running;
  while (!stopping_) {
    std::deque<std::shared_ptr<Pending>> fresh;
    {
      std::lock_guard lock(mu_);
      fresh.swap(queue_);
    }
    for (auto& p : fresh) {
      const HttpRequest& q = p->request;
      if (options_.may_write && q.method != "GET" && q.method != "HEAD" && !options_.may_write()) {
        // Asked last thing before the request leaves: nothing is sent once the fence is up.
        Result<HttpResponse> refused = make_error(
            q.method + " " + q.path + ": not sent: this agent may not change the cluster now",
            ErrorKind::kUnavailable);
        loop_.post([this, alive = std::weak_ptr<bool>(alive_), p, refused]() mutable {
          if (auto a = alive.lock(); a && *a) finish_attempt(p, std::move(refused), false);
        });
        continue;
      }
      CURL* easy = curl_easy_init();
      if (p->connect_to) curl_slist_free_all(p->connect_to);
      p->connect_to = nullptr;
      std::string url = q.url;
      if (auto named = with_server_name(q.url, options_.tls_server_name)) {
        url = named->url;
        p->connect_to = curl_slist_append(nullptr, named->connect_to.c_str());
        curl_easy_setopt(easy, CURLOPT_CONNECT_TO, p->connect_to);
      }
      curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
      if (!options_.unix_socket.empty()) {
        curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, options_.unix_socket.c_str());
      }
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, q.method.c_str());
      if (!q.body.empty() || q.method == "PUT" || q.method == "POST") {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, q.body.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(q.body.size()));
      }
      if (p->headers) curl_slist_free_all(p->headers);
      p->headers = nullptr;
      for (const auto& [name, value] : q.headers) {
        p->headers = curl_slist_append(p->headers, (name + ": " + value).c_str());
      }
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, p->headers);
      p->easy = easy;
      // Answers compressed when the server will (Nomad compresses every answer but its event
      // stream, the API server large ones): a node or allocation list shrinks about tenfold.
      // Streams are asked for plain, as both servers send them.
      curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, p->deliver ? nullptr : "gzip");
      if (p->deliver) {
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_stream_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, p.get());
        curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_stream_progress);
        curl_easy_setopt(easy, CURLOPT_XFERINFODATA, p.get());
      } else {
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &p->response.body);
      }
      curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
      curl_easy_setopt(easy, CURLOPT_HEADERDATA, &p->response.headers);
      curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, p->error);
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                       static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             p->timeout.value_or(options_.timeout))
                                             .count()));
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      if (!options_.user_agent.empty()) {
        curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
      }
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options_.insecure ? 0L : 1L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options_.insecure ? 0L : 2L);
      if (!options_.ca_file.empty())
        curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
      if (!options_.ca_pem.empty()) {
        curl_blob blob{const_cast<char*>(options_.ca_pem.data()), options_.ca_pem.size(),
                       CURL_BLOB_COPY};
        curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
      }
      // A client certificate (mutual TLS): files, or PEM held in memory (a kubeconfig's
      // client-certificate-data), the data winning as client-go has it.
      if (!options_.client_cert_file.empty()) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, options_.client_cert_file.c_str());
        curl_easy_setopt(easy, CURLOPT_SSLKEY, options_.client_key_file.c_str());
      }
      if (!options_.client_cert_pem.empty()) {
        curl_blob cert{const_cast<char*>(options_.client_cert_pem.data()),
                       options_.client_cert_pem.size(), CURL_BLOB_COPY};
        curl_blob key{const_cast<char*>(options_.client_key_pem.data()),
                      options_.client_key_pem.size(), CURL_BLOB_COPY};
        curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
        curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &key);
      }
      curl_multi_add_handle(multi, easy);
      running.emplace(easy, std::move(p));
    }
    int still = 0;
    curl_multi_perform(multi, &still);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      auto it = running.find(easy);
      std::shared_ptr<Pending> p = it->second;
      running.erase(it);
      CURLcode code = msg->data.result;
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      curl_off_t body_bytes = 0;
      long header_bytes = 0;
      curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes);
      curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
      // A stream's body was counted as it came.
      auto body = static_cast<std::uint64_t>(std::max<curl_off_t>(body_bytes, 0));
      bytes_received_ += std::max(body, p->streamed) - p->streamed +
                         static_cast<std::uint64_t>(std::max<long>(header_bytes, 0));
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(p->headers);
      curl_slist_free_all(p->connect_to);
      p->headers = p->connect_to = nullptr;
      std::string where = p->request.method + " " + p->request.path;
      Result<HttpResponse> result = HttpResponse{};
      bool retryable = false;
      if (code != CURLE_OK) {
        std::string why = p->error[0] != '\0' ? p->error : curl_easy_strerror(code);
        bool timeout = code == CURLE_OPERATION_TIMEDOUT;
        result =
            make_error(where + ": " + why, timeout ? ErrorKind::kTimeout : ErrorKind::kUnavailable);
        // A certificate that does not verify will not verify next time either.
        retryable = code != CURLE_PEER_FAILED_VERIFICATION && code != CURLE_SSL_CACERT_BADFILE;
      } else {
        p->response.status = status;
        result = std::move(p->response);
        retryable = status == 429 || status >= 500;
      }
      loop_.post([this, alive = std::weak_ptr<bool>(alive_), p, result = std::move(result),
                  retryable]() mutable {
        if (auto a = alive.lock(); a && *a) finish_attempt(p, std::move(result), retryable);
      });
    }
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  for (auto& [easy, p] : running) {
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    curl_slist_free_all(p->headers);
    curl_slist_free_all(p->connect_to);
  }
}

}  // namespace ha
