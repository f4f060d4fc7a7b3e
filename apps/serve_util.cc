#include "apps/serve_util.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "apps/cli.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"
#include "engine/policy/hcl_json.h"

namespace ha::cli {
namespace {

std::atomic<bool> g_shutdown{false};

extern "C" void on_shutdown_signal(int) {
  g_shutdown = true;
}

}  // namespace

bool load_faults_file(const std::string& path, FaultControl& control, Diagnostics& diags) {
  auto text = read_text_file(path);
  if (!text) throw InputError{text.error().message};
  auto doc = hcl_json::parse_document(*text, path, diags);
  return doc && control.replace(*doc, path, diags);
}

Result<ListenAddress> parse_listen(const std::string& text, const std::string& option) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return make_error(option + " \"" + text + "\": expected HOST:PORT", ErrorKind::kInvalid);
  }
  ListenAddress a;
  a.host = text.substr(0, colon);
  try {
    std::size_t used = 0;
    a.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || a.port < 0 || a.port > 65535)
      throw std::out_of_range("");
  } catch (const std::exception&) {
    return make_error(option + " \"" + text + "\": port must be 0-65535", ErrorKind::kInvalid);
  }
  return a;
}

Result<TlsFlags> check_tls_flags(TlsFlags given, const std::string& prefix) {
  const std::string cert = "--" + prefix + "tls-cert", key = "--" + prefix + "tls-key";
  if (given.cert.empty() != given.key.empty())
    return make_error(cert + " and " + key + " go together");
  if (!given.client_ca.empty() && given.cert.empty()) {
    return make_error("--" + prefix + "client-ca needs " + cert + " and " + key);
  }
  return given;
}

Result<std::chrono::milliseconds> parse_event_heartbeat(const std::string& text) {
  auto d = parse_duration(text);
  if (!d || *d <= Duration(0)) {
    return make_error("--event-heartbeat: \"" + text + "\" is not a positive duration (e.g. 30s)");
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

void wait_for_shutdown_signal() {
  std::signal(SIGINT, on_shutdown_signal);
  std::signal(SIGTERM, on_shutdown_signal);
  while (!g_shutdown) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace ha::cli
