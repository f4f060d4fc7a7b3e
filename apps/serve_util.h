// Helpers shared by the long-running server commands (mock-nomad, mock-harvester and agent):
// listen addresses, fault files and the fault admin endpoint, waiting for SIGINT/SIGTERM.
#pragma once

#include <chrono>
#include <string>

#include "apps/fault_control.h"
#include "backends/runtime/text_file.h"
#include "base/result.h"
#include "engine/policy/diagnostic.h"

namespace ha::cli {

struct ListenAddress {
  std::string host;
  int port = 0;
};
// "HOST:PORT" (PORT 0: any free port); an error names the option and the text.
Result<ListenAddress> parse_listen(const std::string& text, const std::string& option = "--listen");

// Sets the faults of a `--faults FILE` on `control` (before the loop runs); false with the
// problems in `diags`, each naming the file and field. Throws InputError when the file
// cannot be read.
bool load_faults_file(const std::string& path, FaultControl& control, Diagnostics& diags);

// An `--event-heartbeat` value ("30s", "500ms"): how often a quiet mock event stream sends
// {}; an error names the option.
Result<std::chrono::milliseconds> parse_event_heartbeat(const std::string& text);

// A mock server's TLS flags, `--PREFIXtls-cert F --PREFIXtls-key F [--PREFIXclient-ca F]`
// (each empty when not given): the certificate and key go together, the CA needs them.
struct TlsFlags {
  std::string cert, key, client_ca;
};
Result<TlsFlags> check_tls_flags(TlsFlags given, const std::string& prefix = "");

// Blocks until SIGINT or SIGTERM arrives.
void wait_for_shutdown_signal();

}  // namespace ha::cli
