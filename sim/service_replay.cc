#include "sim/service_replay.h"

#include <algorithm>
#include <cmath>

namespace ha {

ServiceReplay::ServiceReplay(EventLoop& loop, NomadModel& nomad, const RateDrivenService& service,
                             Duration step)
    : loop_(loop), nomad_(nomad), service_(service), step_(step) {}

double ServiceReplay::load_at(Time t) const {
  const auto& load = service_.load;
  auto after = std::upper_bound(load.begin(), load.end(), t,
                                [](Time t, const LoadPoint& p) { return t < p.time; });
  return after == load.begin() ? 0.0 : std::prev(after)->value;
}

Result<void> ServiceReplay::start(std::int64_t min_count, std::int64_t max_count, Time until) {
  auto wanted = service_.initial_count.value_or(
      static_cast<std::int64_t>(std::ceil(load_at(loop_.now()) / service_.per_alloc_capacity)));
  std::int64_t count = std::clamp(wanted, min_count, std::max(min_count, max_count));
  NomadJobSpec job{service_.job,
                   "service",
                   {{service_.group, count, service_.cpu_mhz, service_.memory_mb, std::nullopt}}};
  if (auto r = nomad_.register_job(job); !r) {
    return make_error(service_.source + ": " + r.error().message);
  }
  sample(until);
  return {};
}

void ServiceReplay::sample(Time until) {
  Sample s;
  s.time = loop_.now();
  s.load = load_at(s.time);
  if (auto status = nomad_.job_scale_status(service_.job)) {
    auto g = status->task_groups.find(service_.group);
    if (g != status->task_groups.end()) s.running = g->second.running;
  }
  double step = to_seconds(step_);
  double served = static_cast<double>(s.running) * service_.per_alloc_capacity;
  if (s.load > served) {
    overloaded_seconds_ += step;
    unserved_load_seconds_ += (s.load - served) * step;
  }
  load_seconds_ += s.load * step;
  alloc_seconds_ += static_cast<double>(s.running) * step;
  samples_.push_back(s);
  if (loop_.now() + step_ <= until) loop_.after(step_, [this, until] { sample(until); });
}

bool ServiceReplay::knows(const std::string& query) {
  return query == "load" || query == "load_per_alloc" || query == "running";
}

double ServiceReplay::value(const std::string& query, const Sample& s) {
  if (query == "load") return s.load;
  if (query == "running") return static_cast<double>(s.running);
  return s.load / static_cast<double>(std::max<std::int64_t>(s.running, 1));
}

std::optional<double> ServiceReplay::value_at(const std::string& query, Time t) const {
  auto after = std::upper_bound(samples_.begin(), samples_.end(), t,
                                [](Time t, const Sample& s) { return t < s.time; });
  if (!knows(query) || after == samples_.begin()) return std::nullopt;
  return value(query, *std::prev(after));
}

void ServiceReplay::query(const std::string& query, TimeRange range, Callback done) {
  Result<TimeSeries> result = TimeSeries{};
  if (!knows(query)) {
    result = make_error("unknown query \"" + query + "\" for service " + service_.job + "/" +
                        service_.group + "; known: load, load_per_alloc, running");
  } else {
    auto first = std::lower_bound(samples_.begin(), samples_.end(), range.from,
                                  [](const Sample& s, Time t) { return s.time < t; });
    auto last = std::upper_bound(samples_.begin(), samples_.end(), range.to,
                                 [](Time t, const Sample& s) { return t < s.time; });
    if (first == last && last != samples_.begin()) first = last - 1;
    for (auto it = first; it != last; ++it) result->push_back({it->time, value(query, *it)});
  }
  loop_.post([done = std::move(done), result = std::move(result)] { done(result); });
}

nlohmann::ordered_json ServiceReplay::report() const {
  std::int64_t max_running = 0;
  double max_load = 0;
  for (const Sample& s : samples_) {
    max_running = std::max(max_running, s.running);
    max_load = std::max(max_load, s.load);
  }
  return {
      {"job", service_.job},
      {"group", service_.group},
      {"load_max", max_load},
      {"running_max", max_running},
      {"alloc_hours", alloc_seconds_ / 3600.0},
      {"overloaded_seconds", overloaded_seconds_},
      {"unserved_load_fraction", load_seconds_ > 0 ? unserved_load_seconds_ / load_seconds_ : 0.0}};
}

}  // namespace ha
