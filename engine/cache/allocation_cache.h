// AllocationCache: what the non-terminal allocations of every node hold (AllocationView),
// kept current from Nomad's event stream (topic Allocation), so that nomad-apm's
// percentage-allocated_* costs no request per node and, on a steady cluster, no bytes but
// the stream's heartbeats. docs/design-notes.md says why a stream here and blocking queries
// for nodes.
//
// How it stays exact: it opens the stream first and, once the server's first heartbeat says
// it has subscribed, lists every allocation (GET /v1/allocations?resources=true); frames
// that arrive meanwhile wait, and those past the list's index are applied after it. Nothing
// falls between the list and the stream, whatever the server's event buffer holds. A
// stream that ends, fails, or stays silent for `silence_limit` (three missed heartbeats) is
// opened again, after a capped, jittered backoff when it failed, and the list taken again:
// a resumed stream could have missed events without knowing it. So is a stream that has run
// for `resync`, which bounds the harm of an event the reader got wrong, and a stream that
// sends an event the reader cannot parse (a frame's `skipped`): a change the view would miss.
//
// A server that refuses the stream (404 from a Nomad before 1.0, 400/403: an ACL token
// without the right to it) or sends lines it cannot read, at the first stream or three
// times in a row, makes the cache fall back to blocking queries on the list for good
// (BlockingQueryCache, with the `blocking` timing).
//
// A cache never authorizes destruction: callers re-read an object before acting on it.
// All calls on the loop.
#pragma once

#include <memory>
#include <optional>
#include <random>

#include "backends/api/nomad_api.h"
#include "base/callback_guard.h"
#include "engine/cache/allocation_view.h"
#include "engine/cache/blocking_query_cache.h"

namespace ha {

class AllocationCache {
 public:
  struct Options {
    bool stream = true;  // false: blocking queries from the start
    // The blocking queries' timing; its backoff is the stream's too.
    BlockingQueryTiming blocking = [] {
      BlockingQueryTiming t;
      t.min_interval = std::chrono::seconds(5);
      return t;
    }();
    Duration resync = std::chrono::minutes(30);
    Duration silence_limit = std::chrono::seconds(95);  // Nomad's heartbeat is 30 s
  };
  struct Stats {
    std::uint64_t changes = 0;  // lists and frames that changed the view
    std::uint64_t queries = 0;  // list requests (blocking queries included)
    std::uint64_t relists = 0;  // lists after the first
    std::uint64_t failures = 0;
    std::uint64_t streams = 0;  // streams opened
  };

  AllocationCache(EventLoop& loop, NomadApi& api, Options options, std::uint64_t seed = 13);
  ~AllocationCache();
  AllocationCache(const AllocationCache&) = delete;
  AllocationCache& operator=(const AllocationCache&) = delete;

  void start();
  void stop();
  bool synced() const;
  // The current view (null before the first list); shared and immutable: a reader keeps
  // its own for as long as it needs (the cache copies before changing a view in use).
  std::shared_ptr<const AllocationView> view() const;
  // The raft index the view is current at.
  std::uint64_t index() const;
  // Since the server last said anything (a frame, a heartbeat, an answer).
  std::optional<Duration> staleness() const;
  Stats stats() const;
  // False once the cache has fallen back to blocking queries; why it did.
  bool streaming() const { return fallback_ == nullptr; }
  const std::string& refusal() const { return last_refusal_; }

 private:
  enum class Phase { kIdle, kOpening, kListing, kStreaming };
  template <typename F>
  auto guarded(F f);
  void open();
  void frame(const NomadEventFrame& f);
  void apply(const NomadEventFrame& f);
  void listed(Result<AllocationListAt> r);
  void ended(Result<Unit> r);
  void failed();
  void check();  // silence and resync, every few seconds
  void fall_back();

  EventLoop& loop_;
  NomadApi& api_;
  Options options_;
  std::mt19937_64 rng_;
  bool running_ = false;
  Phase phase_ = Phase::kIdle;
  std::uint64_t round_ = 0;  // streams opened: a list belongs to one
  std::unique_ptr<WatchHandle> stream_;
  std::vector<NomadEventFrame> waiting_;  // frames that came while listing
  std::shared_ptr<AllocationView> view_;
  std::uint64_t index_ = 0;
  std::optional<Time> heard_;
  Time opened_at_{0};
  int failures_in_a_row_ = 0;
  int refusals_in_a_row_ = 0;
  bool ever_listed_ = false;
  std::string last_refusal_;
  std::optional<EventLoop::TimerId> retry_, check_;
  CallbackGuard guard_;
  Stats stats_;
  std::unique_ptr<BlockingQueryCache<AllocationListAt, AllocationView>> fallback_;
};

}  // namespace ha
