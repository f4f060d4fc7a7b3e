// Kubernetes resource quantities ("4Gi", "512Mi", "500m", "2", "1e3"), as used for the
// VirtualMachine cpu and memory requests.
#pragma once

#include <string_view>

#include "base/result.h"

namespace ha {

// Returns the quantity in base units (bytes for memory, cores for cpu).
Result<double> parse_quantity(std::string_view text);

}  // namespace ha
