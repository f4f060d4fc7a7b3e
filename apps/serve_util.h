// Helpers shared by the long-running server commands (mock-nomad, later mock-harvester and
// agent): listen addresses, token files, waiting for SIGINT/SIGTERM.
#pragma once

#include <string>

#include "backends/text_file.h"
#include "engine/result.h"

namespace ha::cli {

struct ListenAddress {
  std::string host;
  int port = 0;
};
// "HOST:PORT" (PORT 0: any free port); an error names the option and the text.
Result<ListenAddress> parse_listen(const std::string& text, const std::string& option = "--listen");

// Blocks until SIGINT or SIGTERM arrives.
void wait_for_shutdown_signal();

}  // namespace ha::cli
