// Reading input files (policies, scenarios, traces, token files) and writing output files,
// with errors that name the file.
#pragma once

#include <string>

#include "base/result.h"

namespace ha {

Result<std::string> read_text_file(const std::string& path);

// A token from a file: its content without surrounding whitespace; an error names the file
// (never the content) when it cannot be read or is empty.
Result<std::string> read_token_file(const std::string& path);

// Writes `text` to `path` so that a reader (or a crash) sees the old file or the new one,
// never half of one: a temporary file beside it, flushed, then renamed over it. Returns the
// bytes written; an error names the file.
Result<std::size_t> write_text_file_atomically(const std::string& path, const std::string& text);

}  // namespace ha
