#include "sim/optimize.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <set>
#include <sstream>

#include "base/duration.h"
#include "engine/config_values.h"

namespace ha {
namespace {

// SplitMix64: a fixed stream for a seed, unlike the standard distributions, whose
// results differ between standard libraries.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

}  // namespace

std::string format_real(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

namespace {

std::string range_value(const SearchAxis& a, double v) {
  switch (a.kind) {
    case SearchAxis::Kind::kWhole:
      return std::to_string(static_cast<std::int64_t>(std::floor(v + 0.5)));
    case SearchAxis::Kind::kDuration:
      return format_duration(std::chrono::seconds(static_cast<std::int64_t>(std::floor(v + 0.5))));
    default:
      return format_real(v);
  }
}

// Whether a range of durations is searched by ratio (see draw()).
bool by_ratio(const SearchAxis& a) {
  return a.kind == SearchAxis::Kind::kDuration && a.low > 0;
}

std::string draw(const SearchAxis& a, SplitMix& rng) {
  if (a.kind == SearchAxis::Kind::kList) {
    return a.values[static_cast<std::size_t>(rng.unit() * static_cast<double>(a.values.size()))];
  }
  double u = rng.unit();
  double v = a.low + u * (a.high - a.low);
  // A span of durations (30s..10m) is searched by ratio: as many draws between 30s and 2m
  // as between 2m and 8m. Uniform draws would put three in four above 2m40s.
  if (by_ratio(a)) v = a.low * std::pow(a.high / a.low, u);
  return range_value(a, v);
}

// A range axis's value as text, and back (nullopt: not a value of the axis's kind).
std::optional<double> range_number(const SearchAxis& a, const std::string& text) {
  if (a.kind != SearchAxis::Kind::kDuration) return parse_finite_double(text);
  auto d = parse_duration(text);
  if (!d) return std::nullopt;
  return std::chrono::duration<double>(*d).count();
}

Result<SearchAxis> read_search_axis(const std::string& text) {
  auto bad = [&text](const std::string& why) {
    return make_error("--space \"" + text + "\": " + why);
  };
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return bad("expected KEY=V1,V2,... or KEY=LO..HI");
  std::string key = text.substr(0, eq), spec = text.substr(eq + 1);
  if (spec.find(';') != std::string::npos) {
    // Values that hold commas (a nomad-apm query's parameters) are separated by ';'.
    SearchAxis axis{key, {}, SearchAxis::Kind::kList, 0, 0, ""};
    std::set<std::string> seen;
    std::size_t start = 0;
    while (start <= spec.size()) {
      std::size_t end = std::min(spec.find(';', start), spec.size());
      std::string v = spec.substr(start, end - start);
      if (v.empty()) return bad("empty value");
      if (!seen.insert(v).second) return bad(v + " twice");
      axis.values.push_back(v);
      start = end + 1;
    }
    return axis;
  }
  auto dots = spec.find("..");
  if (dots == std::string::npos) {
    auto axis = parse_grid_axis(key + "=" + spec);
    if (!axis) return bad(axis.error().message.substr(axis.error().message.find(": ") + 2));
    return SearchAxis{key, axis->values, SearchAxis::Kind::kList, 0, 0, ""};
  }
  std::string lo = spec.substr(0, dots), hi = spec.substr(dots + 2);
  SearchAxis axis{key, {}, SearchAxis::Kind::kReal, 0, 0, ""};
  if (auto l = parse_finite_double(lo), h = parse_finite_double(hi); l && h) {
    axis.kind =
        parse_int64(lo) && parse_int64(hi) ? SearchAxis::Kind::kWhole : SearchAxis::Kind::kReal;
    axis.low = *l;
    axis.high = *h;
  } else {
    auto l_d = parse_duration(lo), h_d = parse_duration(hi);
    if (!l_d || !h_d) return bad("a range's ends must both be numbers or both durations");
    axis.kind = SearchAxis::Kind::kDuration;
    axis.low = std::chrono::duration<double>(*l_d).count();
    axis.high = std::chrono::duration<double>(*h_d).count();
  }
  if (!(axis.low < axis.high)) return bad("the range's low end must be below its high end");
  return axis;
}

}  // namespace

Result<SearchAxis> parse_search_axis(const std::string& text) {
  auto axis = read_search_axis(text);
  if (axis) axis->text = text;
  return axis;
}

Result<std::vector<std::vector<Override>>> optimize_candidates(const std::vector<SearchAxis>& axes,
                                                               std::size_t budget,
                                                               std::uint64_t seed) {
  if (axes.empty()) return make_error("no --space given: nothing to search");
  if (budget == 0) return make_error("--budget must be at least 1");
  std::set<std::string> keys;
  bool all_lists = true;
  double combinations = 1;
  for (const SearchAxis& a : axes) {
    if (!keys.insert(a.key).second) return make_error("--space " + a.key + " given twice");
    all_lists = all_lists && a.kind == SearchAxis::Kind::kList;
    combinations *= static_cast<double>(a.values.size());
  }
  if (all_lists && combinations <= static_cast<double>(budget)) {
    std::vector<GridAxis> grid;
    for (const SearchAxis& a : axes) grid.push_back({a.key, a.values});
    return expand_grid(grid, budget);
  }
  SplitMix rng{seed};
  std::set<std::vector<std::string>> seen;
  std::vector<std::vector<Override>> out;
  // Enough tries that a small space yields every point it has, without looping forever.
  for (std::size_t tries = 0; out.size() < budget && tries < budget * 20; ++tries) {
    std::vector<std::string> values;
    for (const SearchAxis& a : axes) values.push_back(draw(a, rng));
    if (!seen.insert(values).second) continue;
    std::vector<Override> candidate;
    for (std::size_t i = 0; i < axes.size(); ++i)
      candidate.push_back({axes[i].key, values[i], false});
    out.push_back(std::move(candidate));
  }
  return out;
}

std::vector<std::vector<Override>> neighbours(const std::vector<SearchAxis>& axes,
                                              const std::vector<Override>& at, double step) {
  std::vector<std::vector<Override>> out;
  auto add = [&](std::size_t i, const std::string& value) {
    if (value == at[i].value) return;
    std::vector<Override> point = at;
    point[i].value = value;
    out.push_back(std::move(point));
  };
  for (std::size_t i = 0; i < axes.size() && i < at.size(); ++i) {
    const SearchAxis& a = axes[i];
    if (superseded(at, i)) continue;  // a step that changes nothing
    if (a.kind == SearchAxis::Kind::kList) {
      auto it = std::find(a.values.begin(), a.values.end(), at[i].value);
      if (it == a.values.end()) continue;
      if (it != a.values.begin()) add(i, *std::prev(it));
      if (std::next(it) != a.values.end()) add(i, *std::next(it));
      continue;
    }
    auto v = range_number(a, at[i].value);
    if (!v) continue;
    for (double sign : {-1.0, 1.0}) {
      double next = by_ratio(a) ? *v * std::pow(a.high / a.low, sign * step)
                                : *v + sign * step * (a.high - a.low);
      add(i, range_value(a, std::clamp(next, a.low, a.high)));
    }
  }
  return out;
}

std::vector<Duration> rung_durations(Duration full, std::size_t candidates) {
  std::size_t rungs = 1;
  while (rungs < 4 && (std::size_t{1} << rungs) < candidates) ++rungs;
  std::vector<Duration> out{full};
  while (out.size() < rungs && out.front() / 2 >= std::chrono::hours(1)) {
    out.insert(out.begin(), out.front() / 2);
  }
  return out;
}

std::vector<std::vector<Override>> joint_moves(
    const std::vector<Override>& at, const RunFigures& at_figures,
    const std::vector<std::pair<std::vector<Override>, RunFigures>>& round,
    const ServiceGoal& goal) {
  struct Move {
    std::size_t axis;
    const std::string* value;
    const RunFigures* figures;
  };
  std::vector<Move> moves;
  for (const auto& [point, figures] : round) {
    std::size_t axis = 0, differ = 0;
    for (std::size_t i = 0; i < point.size() && i < at.size(); ++i) {
      if (point[i].value != at[i].value) axis = i, ++differ;
    }
    if (differ == 1 && !figures.failed) moves.push_back({axis, &point[axis].value, &figures});
  }
  std::vector<const Move*> savers;
  for (const Move& m : moves) {
    if (!meets(*m.figures, goal) && m.figures->cost < at_figures.cost) savers.push_back(&m);
  }
  std::stable_sort(savers.begin(), savers.end(), [](const Move* a, const Move* b) {
    return a->figures->cost < b->figures->cost;
  });
  const std::vector<double> at_excess = relative_excess(at_figures, goal);
  std::vector<std::vector<Override>> out;
  for (std::size_t s = 0; s < savers.size() && s < 2; ++s) {
    // Effects taken as adding up: the saver's excesses and cost, plus each giver's change.
    std::vector<double> excess = relative_excess(*savers[s]->figures, goal);
    double cost = savers[s]->figures->cost;
    std::vector<Override> point = at;
    point[savers[s]->axis].value = *savers[s]->value;
    std::set<std::size_t> axes{savers[s]->axis};
    auto over = [&excess] {
      return std::any_of(excess.begin(), excess.end(), [](double e) { return e > 1e-9; });
    };
    while (over()) {
      const Move* pick = nullptr;
      double best = 0;
      for (const Move& m : moves) {
        if (axes.count(m.axis)) continue;
        std::vector<double> e = relative_excess(*m.figures, goal);
        double gain = 0;  // on the bounds still exceeded
        for (std::size_t b = 0; b < e.size(); ++b) {
          if (excess[b] > 0) gain += at_excess[b] - e[b];
        }
        double added = m.figures->cost - at_figures.cost;
        if (gain <= 0 || cost + added >= at_figures.cost) continue;
        double worth = gain / std::max(added, 1e-9 * at_figures.cost);
        if (!pick || worth > best) pick = &m, best = worth;
      }
      if (!pick) break;
      std::vector<double> e = relative_excess(*pick->figures, goal);
      for (std::size_t b = 0; b < e.size(); ++b) excess[b] += e[b] - at_excess[b];
      cost += pick->figures->cost - at_figures.cost;
      point[pick->axis].value = *pick->value;
      axes.insert(pick->axis);
    }
    if (over() || axes.size() < 2) continue;
    auto same = [&point](const std::vector<Override>& o) {
      return std::equal(o.begin(), o.end(), point.begin(), point.end(),
                        [](const Override& a, const Override& b) { return a.value == b.value; });
    };
    if (std::none_of(out.begin(), out.end(), same)) out.push_back(std::move(point));
  }
  return out;
}

}  // namespace ha
