#include "sim/service_goal.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "base/duration.h"
#include "engine/config_values.h"
#include "sim/html_text.h"

namespace ha {

Result<ServiceGoal> parse_service_goal(const std::string& text) {
  auto bad = [&text](const std::string& why) {
    return make_error("--slo \"" + text + "\": " + why);
  };
  const std::string expected =
      "expected pending_p95=DURATION (e.g. 120s) and/or unserved_load=FRACTION (e.g. 3% or "
      "0.03), separated by a comma";
  ServiceGoal goal;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = std::min(text.find(',', start), text.size());
    std::string term = text.substr(start, end - start);
    start = end + 1;
    auto eq = term.find('=');
    std::string key = term.substr(0, eq),
                value = eq == std::string::npos ? "" : term.substr(eq + 1);
    if (key == "pending_p95" && eq != std::string::npos) {
      if (goal.pending_p95_seconds) return bad("pending_p95 given twice");
      auto d = parse_duration(value);
      if (!d || d->count() < 0) {
        return bad("pending_p95: " +
                   (d ? std::string("a duration of at least 0s") : d.error().message));
      }
      goal.pending_p95_seconds = std::chrono::duration<double>(*d).count();
    } else if (key == "unserved_load" && eq != std::string::npos) {
      if (goal.unserved_load) return bad("unserved_load given twice");
      bool percent = !value.empty() && value.back() == '%';
      auto v = parse_finite_double(percent ? value.substr(0, value.size() - 1) : value);
      if (v && percent) *v /= 100;
      if (!v || *v < 0 || *v > 1) {
        return bad("unserved_load: a fraction from 0 to 1, or a percentage (e.g. 3%), not \"" +
                   value + "\"");
      }
      goal.unserved_load = *v;
    } else {
      return bad(expected);
    }
  }
  if (!goal.pending_p95_seconds && !goal.unserved_load) return bad(expected);
  return goal;
}

std::string describe_goal(const ServiceGoal& goal) {
  std::string out;
  if (goal.pending_p95_seconds) {
    out = "p95 pending at most " + format_number(*goal.pending_p95_seconds) + " s";
  }
  if (goal.unserved_load) {
    out += (out.empty() ? "" : " and ") + std::string("unserved load at most ") +
           format_number(100 * *goal.unserved_load) + " %";
  }
  return out;
}

namespace {

// How far a run falls short of the goal: the bounds' excesses, summed.
double miss(const RunFigures& r, const ServiceGoal& goal) {
  double m = 0;
  for (double e : relative_excess(r, goal)) m += std::max(0.0, e);
  return m;
}

}  // namespace

std::vector<double> relative_excess(const RunFigures& r, const ServiceGoal& goal) {
  std::vector<double> out;
  if (goal.pending_p95_seconds) {
    out.push_back((r.pending - *goal.pending_p95_seconds) /
                  std::max(1.0, *goal.pending_p95_seconds));
  }
  if (goal.unserved_load) {
    out.push_back((r.unserved - *goal.unserved_load) / std::max(0.001, *goal.unserved_load));
  }
  return out;
}

bool meets(const RunFigures& r, const ServiceGoal& goal) {
  return !r.failed && miss(r, goal) == 0;
}

bool better_run(const RunFigures& a, const RunFigures& b, const ServiceGoal& goal) {
  if (a.failed != b.failed) return !a.failed;
  double a_miss = miss(a, goal), b_miss = miss(b, goal);
  if ((a_miss == 0) != (b_miss == 0)) return a_miss == 0;
  if (a_miss != b_miss) return a_miss < b_miss;
  return a.cost < b.cost;
}

double goal_slack(const RunFigures& r, const ServiceGoal& goal) {
  double s = 0;
  for (double e : relative_excess(r, goal)) s -= e;
  return s;
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
