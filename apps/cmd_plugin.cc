// `plugin`: the Harvester target as a plugin of HashiCorp's Nomad Autoscaler, as go-plugin
// starts one (docs/plugin.md). Installed as `harvester` in the autoscaler's plugin_dir, the
// binary runs this command whatever its arguments (apps/main.cc).
//
// The protocol (hashicorp/go-plugin v1.8.0, server.go and client.go; the autoscaler's
// plugins/plugin.go and plugins/manager/manager.go):
//  - the host sets NOMAD_AUTOSCALER_PLUGIN_MAGIC_COOKIE; without it this is no plugin
//    launch: say so and exit 1. PLUGIN_PROTOCOL_VERSIONS must offer version 1.
//  - the first line on stdout is `1|1|unix|SOCKET|grpc|` (no certificate: the autoscaler
//    sets no TLS); nothing is written to stdout before it.
//  - logs go to stderr as hclog JSON lines, which the host relays at their level.
//  - SIGINT is ignored (the host ends the plugin: GRPCController/Shutdown, then SIGKILL
//    after 2 s); SIGTERM ends it as Shutdown does.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "apps/cli.h"
#include "apps/options.h"
#include "backends/runtime/stream_logger.h"
#include "plugin/harvester_plugin_backend.h"
#include "plugin/target_plugin_server.h"
#include "version.h"

namespace ha::cli {
namespace {

constexpr const char* kCookieKey = "NOMAD_AUTOSCALER_PLUGIN_MAGIC_COOKIE";
constexpr const char* kCookieValue =
    "e082fa04d587a6525d683666fa253d6afda00f20c122c54a80a3ed57fec99ff3";

bool offers_version_one(const char* versions) {
  if (versions == nullptr || *versions == '\0') return true;  // a host that does not say
  std::string v = versions;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    if (v.substr(start, comma - start) == "1") return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

// Ends the wait once: a Shutdown call or SIGTERM.
struct Ending {
  std::mutex mu;
  std::condition_variable cv;
  bool ended = false;
  void end() {
    std::lock_guard<std::mutex> lock(mu);
    ended = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return ended; });
  }
};

}  // namespace

int run_plugin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text");
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << "Usage: harvester-autoscaler plugin\n\n"
           "The Harvester target as a plugin of HashiCorp's Nomad Autoscaler: started by the\n"
           "autoscaler from its plugin_dir (install it there as `harvester`), it speaks\n"
           "go-plugin's gRPC protocol on a Unix socket and serves the target \"harvester\"\n"
           "with the same engine as `agent`. Not meant to be run by hand. See docs/plugin.md.\n\n"
        << options;
    return kExitOk;
  }
  const char* cookie = std::getenv(kCookieKey);
  if (cookie == nullptr || std::string(cookie) != kCookieValue) {
    err << "This binary is a plugin of HashiCorp's Nomad Autoscaler. It is not meant to be\n"
           "run directly: put it in the autoscaler's plugin_dir as `harvester` and use\n"
           "target \"harvester\" { driver = \"harvester\" } in the autoscaler's config.\n"
           "(Our own autoscaler: harvester-autoscaler agent.)\n";
    return kExitInvalid;
  }
  if (!offers_version_one(std::getenv("PLUGIN_PROTOCOL_VERSIONS"))) {
    err << "plugin: the host offers plugin protocol versions "
        << std::getenv("PLUGIN_PROTOCOL_VERSIONS") << "; this plugin speaks version 1\n";
    return kExitInvalid;
  }
  // SIGINT reaches the plugin with the host's own (same process group): ignored, as Go
  // plugins do. SIGTERM is waited for by a thread of its own.
  ::signal(SIGINT, SIG_IGN);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);

  StreamLogger log(err, {LogLevel::kDebug, true, true});
  std::error_code ec;
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template =
      (std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / "harvester-plugin-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    log.log(LogLevel::kError, Time(0), "plugin: cannot make a socket directory",
            {{"dir", dir_template}});
    return kExitInvalid;
  }
  std::filesystem::path socket = std::filesystem::path(dir_template) / "plugin.sock";
  Ending ending;
  {
    HarvesterPluginBackend backend(
        log,
        [](const char* name) -> std::optional<std::string> {
          const char* v = std::getenv(name);
          return v ? std::optional<std::string>(v) : std::nullopt;
        },
        "harvester-autoscaler/" HA_VERSION);
    TargetPluginServer server("harvester", backend, [&ending] { ending.end(); });
    auto started = server.start("unix:" + socket.string());
    if (!started) {
      log.log(LogLevel::kError, Time(0), started.error().message, {});
      std::filesystem::remove_all(dir_template, ec);
      return kExitInvalid;
    }
    out << "1|1|unix|" << socket.string() << "|grpc|" << std::endl;
    std::thread signals([&ending, term] {
      int sig = 0;
      sigwait(&term, &sig);
      ending.end();
    });
    signals.detach();
    ending.wait();
    server.stop();
  }
  std::filesystem::remove_all(dir_template, ec);
  return kExitOk;
}

}  // namespace ha::cli
