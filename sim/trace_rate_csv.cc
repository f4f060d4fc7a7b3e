#include "engine/config_values.h"
#include "sim/line_reader.h"
#include "sim/trace.h"

namespace ha {

Result<std::vector<LoadPoint>> read_rate_csv(const std::string& path) {
  constexpr const char* kHeader = "time_s,value";
  auto reader = LineReader::open(path);
  if (!reader) return reader.error();
  LineReader& in = **reader;
  std::string line;
  if (!in.next(line)) return make_error(path + ": empty file; expected the header " + kHeader);
  if (line != kHeader) {
    return make_error(in.where(std::string("expected the header ").append(kHeader)));
  }
  std::vector<LoadPoint> points;
  while (in.next(line)) {
    if (line.empty()) continue;
    auto cols = split_csv(line);
    if (cols.size() != 2) {
      return make_error(in.where("expected 2 columns, found " + std::to_string(cols.size())));
    }
    auto time = parse_finite_double(cols[0]);
    if (!time || *time < 0 || *time > kMaxTraceNumber) {
      return make_error(in.where("time_s: \"" + cols[0] + "\" is not a number from 0 to 1e9"));
    }
    auto value = parse_finite_double(cols[1]);
    if (!value || *value < 0) {
      return make_error(in.where("value: \"" + cols[1] + "\" is not a number >= 0"));
    }
    LoadPoint p{seconds(*time), *value};
    if (!points.empty() && p.time < points.back().time) {
      return make_error(in.where("time_s goes back (rows must be in time order)"));
    }
    points.push_back(p);
  }
  if (!in.error().empty()) return make_error(in.error());
  if (points.empty()) return make_error(path + ": no rows after the header");
  return points;
}

}  // namespace ha
