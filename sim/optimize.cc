#include "sim/optimize.h"

#include <algorithm>
#include <cmath>
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

std::string format_real(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string draw(const SearchAxis& a, SplitMix& rng) {
  if (a.kind == SearchAxis::Kind::kList) {
    return a.values[static_cast<std::size_t>(rng.unit() * static_cast<double>(a.values.size()))];
  }
  double v = a.low + rng.unit() * (a.high - a.low);
  switch (a.kind) {
    case SearchAxis::Kind::kWhole:
      return std::to_string(static_cast<std::int64_t>(std::floor(v + 0.5)));
    case SearchAxis::Kind::kDuration:
      return format_duration(std::chrono::seconds(static_cast<std::int64_t>(std::floor(v + 0.5))));
    default:
      return format_real(v);
  }
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

std::vector<SearchAxis> default_search_space(const std::vector<Policy>& policies) {
  std::vector<SearchAxis> axes;
  auto add = [&axes](const std::string& text) { axes.push_back(*parse_search_axis(text)); };
  for (const Policy& p : policies) {
    if (p.type != "cluster") continue;
    std::string at = "policy." + p.id + ".";
    add(at + "cooldown=30s..10m");
    add(at + "evaluation_interval=10s,30s,1m");
    for (const CheckSpec& c : p.checks) {
      std::string check = at + "check." + c.name + ".";
      if (c.strategy.name == "target-value" &&
          c.query.find("percentage-allocated") != std::string::npos) {
        add(check + "strategy.target=50..95");
      }
      if (c.query.rfind("nodes_needed", 0) == 0) {
        // The query with each headroom in turn, its other parameters kept.
        std::string base = c.query.substr(0, c.query.find('/'));
        std::string params;
        if (c.query.find('/') != std::string::npos) {
          std::stringstream in(c.query.substr(c.query.find('/') + 1));
          for (std::string kv; std::getline(in, kv, ',');) {
            if (kv.rfind("headroom=", 0) != 0) params += kv + ",";
          }
        }
        std::string values;
        for (int h = 0; h <= 20; h += 4) {
          values +=
              (values.empty() ? "" : ";") + base + "/" + params + "headroom=" + std::to_string(h);
        }
        add(check + "query=" + values);
      }
    }
    // Stopped VMs that start in a boot's time trade a little storage for pending time.
    if (p.target.name == "harvester") add(at + "target.warm_pool_size=0,4,8,16");
  }
  return axes;
}

Result<ServiceGoal> parse_service_goal(const std::string& text) {
  const std::string prefix = "pending_p95=";
  if (text.rfind(prefix, 0) != 0) {
    return make_error("--slo \"" + text + "\": expected pending_p95=DURATION (e.g. 120s)");
  }
  auto d = parse_duration(text.substr(prefix.size()));
  if (!d || d->count() < 0) {
    return make_error("--slo \"" + text +
                      "\": " + (d ? std::string("a duration of at least 0s") : d.error().message));
  }
  return ServiceGoal{std::chrono::duration<double>(*d).count()};
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

std::vector<Duration> rung_durations(Duration full, std::size_t candidates) {
  std::size_t rungs = 1;
  while (rungs < 4 && (std::size_t{1} << rungs) < candidates) ++rungs;
  std::vector<Duration> out{full};
  while (out.size() < rungs && out.front() / 2 >= std::chrono::hours(1)) {
    out.insert(out.begin(), out.front() / 2);
  }
  return out;
}

bool meets(const RunFigures& r, const ServiceGoal& goal) {
  return !r.failed && r.pending <= goal.pending_p95_seconds;
}

bool better_run(const RunFigures& a, const RunFigures& b, const ServiceGoal& goal) {
  if (a.failed != b.failed) return !a.failed;
  bool a_meets = meets(a, goal), b_meets = meets(b, goal);
  if (a_meets != b_meets) return a_meets;
  if (!a_meets && a.pending != b.pending) return a.pending < b.pending;
  return a.cost < b.cost;
}

std::vector<std::size_t> best_runs(const std::vector<RunFigures>& runs, std::size_t keep,
                                   const ServiceGoal& goal) {
  std::vector<std::size_t> order(runs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return better_run(runs[a], runs[b], goal);
  });
  order.resize(std::min(keep, order.size()));
  return order;
}

}  // namespace ha
