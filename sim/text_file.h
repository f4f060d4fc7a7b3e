// Reading input files (policies, scenarios, traces) with errors that name the file.
#pragma once

#include <string>

#include "engine/result.h"

namespace ha {

Result<std::string> read_text_file(const std::string& path);

}  // namespace ha
