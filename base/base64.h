// Standard base64 (RFC 4648, with padding), as Kubernetes writes Secret data and kubeconfig
// certificate data.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace ha {

std::string base64_encode(std::string_view bytes);
// Whitespace is skipped (kubeconfigs wrap long values); anything else not base64 is an error.
Result<std::string> base64_decode(std::string_view text);

}  // namespace ha
