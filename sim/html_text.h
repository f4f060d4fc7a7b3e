// Small helpers shared by the self-contained HTML pages (report.html, sweep.html).
#pragma once

#include <string>

namespace ha {

// Text safe inside HTML elements and attribute values.
std::string html_escape(const std::string& s);
// A number for display: whole when it is whole or large, else two decimals.
std::string format_number(double v);
// A round step (1, 2 or 5 times a power of ten) that cuts `span` into at most `most` parts,
// for axis ticks a reader can read.
double round_step(double span, int most);

}  // namespace ha
