#include "engine/cache/allocation_cache.h"

#include <algorithm>

#include "base/backoff.h"

namespace ha {

AllocationCache::AllocationCache(EventLoop& loop, NomadApi& api, Options options,
                                 std::uint64_t seed)
    : loop_(loop), api_(api), options_(options), rng_(seed) {}

AllocationCache::~AllocationCache() {
  stop();
}

// Runs f later unless the cache was stopped (or restarted) in between.
template <typename F>
auto AllocationCache::guarded(F f) {
  return guard_.wrap(running_, std::move(f));
}

void AllocationCache::start() {
  if (running_) return;
  running_ = true;
  if (!options_.stream) return fall_back();
  open();
  Duration every = std::max<Duration>(std::chrono::seconds(1), options_.silence_limit / 3);
  check_ = loop_.after(every, guarded([this] { check(); }));
}

void AllocationCache::stop() {
  running_ = false;
  guard_.invalidate();
  stream_.reset();
  if (retry_) loop_.cancel(*retry_);
  if (check_) loop_.cancel(*check_);
  retry_.reset();
  check_.reset();
  phase_ = Phase::kIdle;
  if (fallback_) fallback_->stop();
}

bool AllocationCache::synced() const {
  return fallback_ ? fallback_->synced() : view_ != nullptr;
}

std::shared_ptr<const AllocationView> AllocationCache::view() const {
  return fallback_ ? fallback_->view() : view_;
}

std::uint64_t AllocationCache::index() const {
  return fallback_ ? fallback_->index() : index_;
}

std::optional<Duration> AllocationCache::staleness() const {
  if (fallback_) return fallback_->staleness();
  if (!heard_) return std::nullopt;
  return loop_.now() - *heard_;
}

AllocationCache::Stats AllocationCache::stats() const {
  Stats s = stats_;
  if (fallback_) {
    const auto& f = fallback_->stats();
    s.changes += f.changes;
    s.queries += f.queries;
    s.relists += f.relists;
    s.failures += f.failures;
  }
  return s;
}

void AllocationCache::open() {
  if (retry_) loop_.cancel(*retry_);
  retry_.reset();
  stream_.reset();
  waiting_.clear();
  phase_ = Phase::kOpening;
  ++round_;
  opened_at_ = loop_.now();
  ++stats_.streams;
  // From just past the view (the events since are what the list will show anyway), or
  // from the oldest the server keeps the first time.
  stream_ = api_.stream_events({"Allocation"}, index_ > 0 ? index_ + 1 : 0,
                               guarded([this](const NomadEventFrame& f) { frame(f); }),
                               guarded([this](Result<Unit> r) { ended(std::move(r)); }));
}

void AllocationCache::frame(const NomadEventFrame& f) {
  heard_ = loop_.now();
  // A change it cannot read is a change the view would miss: a new stream, a new list.
  if (!f.skipped.empty()) return ended(make_error(f.skipped.front(), ErrorKind::kInvalid));
  if (phase_ == Phase::kStreaming) return apply(f);
  if (!f.heartbeat()) waiting_.push_back(f);
  if (phase_ != Phase::kOpening) return;
  // The server has subscribed: what the list misses, the stream has.
  phase_ = Phase::kListing;
  ++stats_.queries;
  if (view_) ++stats_.relists;
  // A list asked for by an earlier stream's round may miss what came before this one.
  api_.watch_allocations(0, options_.blocking.wait,
                         guarded([this, round = round_](Result<AllocationListAt> r) {
                           if (round == round_) listed(std::move(r));
                         }));
}

void AllocationCache::listed(Result<AllocationListAt> r) {
  if (phase_ != Phase::kListing) return;
  if (!r) return failed();
  heard_ = loop_.now();
  view_ = std::make_shared<AllocationView>(r->allocations);
  index_ = r->index;
  ++stats_.changes;
  phase_ = Phase::kStreaming;
  failures_in_a_row_ = 0;
  refusals_in_a_row_ = 0;
  ever_listed_ = true;
  std::vector<NomadEventFrame> waiting = std::move(waiting_);
  waiting_.clear();
  for (const NomadEventFrame& f : waiting) apply(f);
}

void AllocationCache::apply(const NomadEventFrame& f) {
  if (f.heartbeat() || f.index <= index_) return;  // already in the view
  bool changed = false;
  for (const NomadEvent& e : f.events) {
    if (!e.allocation) continue;
    // A reader still holds this view: change a copy.
    if (view_.use_count() > 1) view_ = std::make_shared<AllocationView>(*view_);
    view_->apply(*e.allocation);
    changed = true;
  }
  index_ = f.index;
  if (changed) ++stats_.changes;
}

void AllocationCache::ended(Result<Unit> r) {
  stream_.reset();
  // Refused or unreadable: for good at the first stream, or three times in a row (a stream
  // that worked before and fails once is a passing fault).
  if (!r && (r.error().kind == ErrorKind::kNotFound || r.error().kind == ErrorKind::kInvalid)) {
    last_refusal_ = r.error().message;
    if (!ever_listed_ || ++refusals_in_a_row_ >= 3) return fall_back();
    return failed();
  }
  // A server that closes a stream it served for a while is reopened at once; one that
  // closes them at once, or fails, after a backoff.
  if (r && phase_ == Phase::kStreaming && loop_.now() - opened_at_ > std::chrono::seconds(10)) {
    return open();
  }
  failed();
}

void AllocationCache::failed() {
  ++stats_.failures;
  ++failures_in_a_row_;
  stream_.reset();
  waiting_.clear();
  phase_ = Phase::kIdle;
  Duration wait = jittered_backoff(options_.blocking.backoff_base, options_.blocking.backoff_cap,
                                   failures_in_a_row_, rng_);
  retry_ = loop_.after(wait, guarded([this] {
                         retry_.reset();
                         open();
                       }));
}

void AllocationCache::check() {
  Duration every = std::max<Duration>(std::chrono::seconds(1), options_.silence_limit / 3);
  check_ = loop_.after(every, guarded([this] { check(); }));
  if (phase_ == Phase::kIdle) return;  // a retry is due
  Time last = heard_ ? std::max(*heard_, opened_at_) : opened_at_;
  if (loop_.now() - last > options_.silence_limit) return failed();
  if (phase_ == Phase::kStreaming && loop_.now() - opened_at_ >= options_.resync) open();
}

void AllocationCache::fall_back() {
  stream_.reset();
  waiting_.clear();
  phase_ = Phase::kIdle;
  if (retry_) loop_.cancel(*retry_);
  if (check_) loop_.cancel(*check_);
  retry_.reset();
  check_.reset();
  fallback_ = std::make_unique<BlockingQueryCache<AllocationListAt, AllocationView>>(
      loop_,
      [this](std::uint64_t index, Duration wait, Done<AllocationListAt> done) {
        api_.watch_allocations(index, wait, std::move(done));
      },
      [](AllocationListAt&& answer) {
        return std::make_shared<const AllocationView>(answer.allocations);
      },
      options_.blocking, rng_());
  fallback_->start();
}

}  // namespace ha
