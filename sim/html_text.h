// Small helpers shared by the self-contained HTML pages (report.html, sweep.html).
#pragma once

#include <string>

namespace ha {

// Text safe inside HTML elements and attribute values.
std::string html_escape(const std::string& s);
// A number for display: whole when it is whole or large, else two decimals.
std::string format_number(double v);

}  // namespace ha
