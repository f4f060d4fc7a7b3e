// BlockingQueryCache: one Nomad list kept current with blocking queries, as Nomad's own
// clients watch a list: the query (GET /v1/nodes or /v1/allocations with ?index=N&wait=W)
// answers when the list's table changed past N, or after W unchanged. Each answer with a
// new index replaces the view, an immutable View built from the answer (bytes on change,
// none while nothing changes); an index that goes backwards (a restored or new leader's
// state) restarts from 0, as Nomad's documentation asks; a failing query is retried after a
// capped, jittered backoff.
//
// A cache never authorizes destruction: callers re-read an object before acting on it.
// All calls on the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>

#include "backends/api/async.h"
#include "base/backoff.h"
#include "base/callback_guard.h"
#include "base/event_loop.h"

namespace ha {

struct BlockingQueryTiming {
  Duration wait = std::chrono::minutes(5);  // asked of the server per query
  // After an answer with changes, the next query waits this long: changes in a burst (a
  // scale-out's nodes joining) cost one list, not one each.
  Duration min_interval = std::chrono::seconds(1);
  Duration backoff_base = std::chrono::seconds(1);
  Duration backoff_cap = std::chrono::seconds(30);
};

// `Answer` has `index`; `make_view(Answer&&)` builds the view from it.
template <typename Answer, typename View>
class BlockingQueryCache {
 public:
  using Query = std::function<void(std::uint64_t index, Duration wait, Done<Answer> done)>;
  using MakeView = std::function<std::shared_ptr<const View>(Answer&&)>;
  struct Stats {
    std::uint64_t changes = 0;  // answers that changed the view (the first included)
    std::uint64_t queries = 0;  // blocking queries sent
    std::uint64_t relists = 0;  // queries from index 0 after the first (index reset)
    std::uint64_t failures = 0;
  };

  BlockingQueryCache(EventLoop& loop, Query query, MakeView make_view, BlockingQueryTiming timing,
                     std::uint64_t seed)
      : loop_(loop),
        query_(std::move(query)),
        make_view_(std::move(make_view)),
        timing_(timing),
        rng_(seed) {}
  ~BlockingQueryCache() { stop(); }
  BlockingQueryCache(const BlockingQueryCache&) = delete;
  BlockingQueryCache& operator=(const BlockingQueryCache&) = delete;

  void start() {
    if (running_) return;
    running_ = true;
    ask();
  }
  void stop() {
    running_ = false;
    guard_.invalidate();
    if (retry_) loop_.cancel(*retry_);
    retry_.reset();
  }

  bool synced() const { return view_ != nullptr; }
  // The current view (null before the first answer); shared, so readers keep theirs as
  // long as they need it.
  std::shared_ptr<const View> view() const { return view_; }
  std::uint64_t index() const { return index_; }
  // Since the server last answered; nullopt before the first answer.
  std::optional<Duration> staleness() const {
    if (!heard_) return std::nullopt;
    return loop_.now() - *heard_;
  }
  const Stats& stats() const { return stats_; }

 private:
  // Runs f later unless the cache was stopped (or restarted) in between.
  template <typename F>
  auto guarded(F f) {
    return guard_.wrap(running_, std::move(f));
  }

  void ask() {
    ++stats_.queries;
    if (index_ == 0 && view_) ++stats_.relists;
    query_(index_, timing_.wait, guarded([this](Result<Answer> r) { answered(std::move(r)); }));
  }

  void ask_after(Duration d) {
    retry_ = loop_.after(d, guarded([this] {
                           retry_.reset();
                           ask();
                         }));
  }

  void answered(Result<Answer> r) {
    if (!r) {
      ++stats_.failures;
      ++failures_in_a_row_;
      return ask_after(
          jittered_backoff(timing_.backoff_base, timing_.backoff_cap, failures_in_a_row_, rng_));
    }
    failures_in_a_row_ = 0;
    heard_ = loop_.now();
    if (r->index < index_) {
      index_ = 0;  // the server's state went back: start again from a full answer
      return ask();
    }
    bool changed = !view_ || r->index > index_;
    std::uint64_t at = r->index;
    if (changed) {
      view_ = make_view_(std::move(*r));
      ++stats_.changes;
    }
    // Nomad asks clients to treat 0 as 1, so that a query never answers at once forever.
    index_ = std::max<std::uint64_t>(at, 1);
    if (changed && timing_.min_interval > Duration(0)) return ask_after(timing_.min_interval);
    ask();
  }

  EventLoop& loop_;
  Query query_;
  MakeView make_view_;
  BlockingQueryTiming timing_;
  std::mt19937_64 rng_;
  bool running_ = false;
  std::shared_ptr<const View> view_;
  std::uint64_t index_ = 0;
  std::optional<Time> heard_;
  int failures_in_a_row_ = 0;
  std::optional<EventLoop::TimerId> retry_;
  CallbackGuard guard_;
  Stats stats_;
};

}  // namespace ha
