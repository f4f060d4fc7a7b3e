// Reading input files (policies, scenarios, traces, token files) with errors that name the
// file.
#pragma once

#include <string>

#include "base/result.h"

namespace ha {

Result<std::string> read_text_file(const std::string& path);

// A token from a file: its content without surrounding whitespace; an error names the file
// (never the content) when it cannot be read or is empty.
Result<std::string> read_token_file(const std::string& path);

}  // namespace ha
