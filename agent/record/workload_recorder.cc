#include "agent/record/workload_recorder.h"

#include <algorithm>
#include <cstdio>

namespace ha {

void WorkloadRecorder::on_list(const std::vector<NomadAllocationStub>& allocations,
                               std::optional<Time> relisted) {
  // Lists name a replacement from the allocation it replaced (NextAllocation), events from
  // the replacement (PreviousAllocation): oldest first, each replacement told its
  // predecessor, so that a chain is one piece of work either way.
  std::map<std::string, std::string> replaced_by_next;
  std::vector<const NomadAllocationStub*> order;
  for (const NomadAllocationStub& a : allocations) {
    if (!a.next_allocation.empty()) replaced_by_next[a.next_allocation] = a.id;
    order.push_back(&a);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->create_time < b->create_time; });
  std::set<std::string> listed;
  for (const NomadAllocationStub* a : order) {
    auto previous = replaced_by_next.find(a->id);
    if (a->previous_allocation.empty() && previous != replaced_by_next.end()) {
      NomadAllocationStub linked = *a;
      linked.previous_allocation = previous->second;
      observe(linked);
    } else {
      observe(*a);
    }
    listed.insert(a->id);
  }
  if (!relisted) return;
  for (Chain& c : chains_) {
    if (!c.ended && !listed.count(c.current)) {
      c.ended = *relisted;
      ++ended_unseen_;
    }
  }
}

void WorkloadRecorder::on_frame(const NomadEventFrame& frame) {
  for (const NomadEvent& e : frame.events) {
    if (e.job) on_job(*e.job);
    if (e.allocation) observe(*e.allocation);
  }
}

void WorkloadRecorder::on_job(const NomadJob& job) {
  std::string key = job_key(job.namespace_, job.id);
  job_versions_[key].insert(job.submit_time);
  job_types_[key] = job.type;
  asked_[key] = {job.submit_time, job.task_groups};
}

void WorkloadRecorder::observe(const NomadAllocationStub& a) {
  std::size_t c;
  if (auto known = chain_of_.find(a.id); known != chain_of_.end()) {
    c = known->second;
  } else if (auto prev = chain_of_.find(a.previous_allocation);
             !a.previous_allocation.empty() && prev != chain_of_.end()) {
    c = prev->second;
    chain_of_[a.id] = c;
    ++replacements_;
    chains_[c].last_placed = a.create_time;
    chains_[c].current = a.id;
    chains_[c].ended.reset();
    chains_[c].completed = false;
  } else {
    c = chains_.size();
    chain_of_[a.id] = c;
    Chain chain;
    chain.job = job_key(a.namespace_, a.job_id);
    chain.group = a.task_group;
    chain.type = a.job_type;
    chain.cpu_mhz = a.cpu_mhz;
    chain.memory_mb = a.memory_mb;
    chain.first_placed = chain.last_placed = a.create_time;
    chain.current = a.id;
    chains_.push_back(std::move(chain));
  }
  if (!a.node_id.empty()) {
    auto& ids = chains_[c].node_ids;
    if (std::find(ids.begin(), ids.end(), a.node_id) == ids.end()) ids.push_back(a.node_id);
  }
  // A predecessor's late news (its client reporting the stop after the replacement was
  // placed) does not end the chain; nor does the client's report of a stop the server made
  // (its kill_timeout later): the work ended when the server stopped it, the earliest end
  // heard of (a relist's guess included).
  if (is_terminal(a) && chains_[c].current == a.id &&
      (!chains_[c].ended || a.modify_time < *chains_[c].ended)) {
    chains_[c].ended = a.modify_time;
    chains_[c].completed = a.client_status == "complete" && a.desired_status == "run";
  }
}

Time WorkloadRecorder::asked_at(const std::string& job, Time placed) const {
  auto versions = job_versions_.find(job);
  if (versions == job_versions_.end()) return placed;
  auto after = versions->second.upper_bound(placed);
  if (after == versions->second.begin()) return placed;  // placed before any version seen
  return *std::prev(after);
}

std::string WorkloadRecorder::type_of(const Chain& c) const {
  if (!c.type.empty()) return c.type;
  auto known = job_types_.find(c.job);
  return known == job_types_.end() ? "service" : known->second;
}

namespace {

Duration whole_seconds(Duration d) {
  return std::chrono::round<std::chrono::seconds>(d);
}

}  // namespace

WorkloadRecorder::GroupRuns WorkloadRecorder::group_runs(const std::string& job,
                                                         const std::string& group) const {
  GroupRuns out;
  Time newest{0};
  for (const Chain& c : chains_) {
    if (c.job != job || c.group != group) continue;
    out.runs.emplace_back(c.first_placed, c.ended);
    if (c.last_placed >= newest) {
      newest = c.last_placed;
      out.cpu_mhz = c.cpu_mhz;
      out.memory_mb = c.memory_mb;
    }
  }
  return out;
}

bool WorkloadRecorder::in(const Chain& c, const NodeScope& in_scope) {
  if (!in_scope || c.node_ids.empty()) return true;
  return std::any_of(c.node_ids.begin(), c.node_ids.end(), in_scope);
}

std::vector<RecordedRow> WorkloadRecorder::rows(Time start, Time end,
                                                const NodeScope& in_scope) const {
  std::vector<RecordedRow> out;
  std::map<decltype(RecordedRow{}.key()), std::size_t> same;
  std::set<std::pair<std::string, std::string>> system_groups;
  auto add = [&](RecordedRow r) {
    auto [at, added] = same.emplace(r.key(), out.size());
    if (added) {
      out.push_back(std::move(r));
    } else {
      out[at->second].count += r.count;
    }
  };
  for (const Chain& c : chains_) {
    if (!in(c, in_scope)) continue;
    RecordedRow r;
    r.job = c.job;
    r.group = c.group;
    r.type = type_of(c);
    r.cpu_mhz = c.cpu_mhz;
    r.memory_mb = c.memory_mb;
    r.submit = whole_seconds(std::max(Duration(0), asked_at(c.job, c.first_placed) - start));
    if (r.type == "system") {
      if (!system_groups.insert({c.job, c.group}).second) continue;
    } else if (r.type == "batch") {
      // At least a second: a batch row needs a duration.
      r.duration = std::max<Duration>(std::chrono::seconds(1),
                                      whole_seconds(c.ended.value_or(end) - c.last_placed));
    } else if (c.ended) {
      r.duration = whole_seconds(*c.ended - c.first_placed);
    }
    add(std::move(r));
  }
  for (RecordedRow& r : unplaced(start, in_scope, nullptr)) add(std::move(r));
  std::sort(out.begin(), out.end(), [](const RecordedRow& a, const RecordedRow& b) {
    return std::tie(a.submit, a.job, a.group) < std::tie(b.submit, b.job, b.group);
  });
  return out;
}

std::vector<RecordedRow> WorkloadRecorder::unplaced(Time start, const NodeScope& in_scope,
                                                    Counts* counts) const {
  // The work seen, per job and group, in one pass: all of it for batch (each piece runs
  // once), the live pieces for a service (its count is how many run at once).
  struct Seen {
    std::int64_t pieces = 0;
    std::vector<Duration> run_times;  // of batch work that ended
  };
  std::map<std::pair<std::string, std::string>, Seen> seen_of;
  // Jobs whose work went only to nodes out of scope are not the scope's: nor is the rest
  // of their work.
  std::set<std::string> in_scope_jobs, placed_jobs;
  std::vector<Duration> all_run_times;  // of all the batch work that ended
  std::optional<Duration> all_median;
  for (const Chain& c : chains_) {
    placed_jobs.insert(c.job);
    if (in(c, in_scope)) in_scope_jobs.insert(c.job);
    if (c.ended && type_of(c) == "batch" && in(c, in_scope)) {
      all_run_times.push_back(*c.ended - c.last_placed);
    }
    auto asked = asked_.find(c.job);
    if (asked == asked_.end()) continue;
    Seen& s = seen_of[{c.job, c.group}];
    if (job_types_.at(c.job) == "batch") {
      ++s.pieces;
      if (c.ended) s.run_times.push_back(*c.ended - c.last_placed);
    } else if (!c.ended) {
      ++s.pieces;
    }
  }
  std::vector<RecordedRow> out;
  for (const auto& [job, version] : asked_) {
    const std::string& type = job_types_.at(job);
    if (type == "system") continue;
    if (placed_jobs.count(job) && !in_scope_jobs.count(job)) continue;
    // Batch work asked for before the recording and not seen in it ran before it began.
    if (type == "batch" && version.first < start) continue;
    for (const NomadJobTaskGroup& g : version.second) {
      Seen& s = seen_of[{job, g.name}];
      std::int64_t seen = s.pieces;
      std::vector<Duration>& run_times = s.run_times;
      std::int64_t missing = g.count - seen;
      if (missing <= 0) continue;
      RecordedRow r{whole_seconds(std::max(Duration(0), version.first - start)),
                    job,
                    g.name,
                    type,
                    missing,
                    g.cpu_mhz,
                    g.memory_mb,
                    std::nullopt};
      if (type == "batch") {
        // The group's median run time, else that of all the batch work that ended.
        auto median = [](std::vector<Duration> d) {
          auto middle = d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2);
          std::nth_element(d.begin(), middle, d.end());
          return std::max<Duration>(std::chrono::seconds(1), whole_seconds(*middle));
        };
        if (!run_times.empty()) {
          r.duration = median(run_times);
        } else if (!all_run_times.empty()) {
          if (!all_median) all_median = median(all_run_times);
          r.duration = all_median;
          if (counts) counts->cluster_run_time += missing;
        } else {
          if (counts) counts->unknown_run_time += missing;
          continue;
        }
      }
      if (counts) counts->never_placed += missing;
      out.push_back(std::move(r));
    }
  }
  return out;
}

WorkloadRecorder::Counts WorkloadRecorder::counts(Time start, const NodeScope& in_scope) const {
  Counts n;
  static_cast<void>(unplaced(start, in_scope, &n));
  for (const Chain& c : chains_) ++(in(c, in_scope) ? n.allocations : n.other_nodes);
  n.replacements = replacements_;
  n.ended_unseen = ended_unseen_;
  n.jobs = static_cast<std::int64_t>(job_types_.size());
  for (const Chain& c : chains_) {
    if (!c.ended && type_of(c) == "batch" && in(c, in_scope)) ++n.cut_short;
  }
  return n;
}

namespace {

std::string seconds(Duration d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", to_seconds(d));
  std::string s = buf;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

// allocs-csv has no quoting: a name's commas and line breaks become underscores.
std::string csv_name(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == ',' || c == '\n' || c == '\r'; }, '_');
  return s;
}

}  // namespace

std::string allocs_csv(const std::vector<RecordedRow>& rows) {
  std::string out = "submit_s,job,group,type,count,cpu_mhz,memory_mb,duration_s\n";
  for (const RecordedRow& r : rows) {
    out.append(seconds(r.submit)).append(",");
    out.append(csv_name(r.job)).append(",").append(csv_name(r.group)).append(",");
    out.append(r.type).append(",");
    out.append(std::to_string(r.count)).append(",");
    out.append(std::to_string(r.cpu_mhz)).append(",").append(std::to_string(r.memory_mb));
    out.append(",").append(r.duration ? seconds(*r.duration) : "").append("\n");
  }
  return out;
}

}  // namespace ha
