// Go duration strings ("300ms", "1h30m", "-1.5h"), as Go's time.ParseDuration reads them.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"

namespace ha {

struct DurationSyntax {
  // Accept a "d" (24h) unit as well; scenario files allow it, policies (Go) do not.
  bool allow_days = false;
  bool allow_negative = false;
};

Result<Duration> parse_duration(std::string_view text, DurationSyntax syntax = {});

// Formats like Go's Duration.String(): "1h30m0s", "250ms", "0s".
std::string format_duration(Duration d);

}  // namespace ha
