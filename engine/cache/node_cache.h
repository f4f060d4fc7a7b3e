// NodeCache: the Nomad nodes of one filter (a node class) kept current with blocking
// queries, as Nomad's own clients watch a list: GET /v1/nodes?index=N&wait=W answers when
// the node table changed past N, or after W unchanged. Each answer with a new index
// replaces the view (a blocking query answers with the whole list: bytes on change, none
// while nothing changes); an index that goes backwards (a restored or new leader's state)
// restarts from 0, as Nomad's documentation asks; a failing query is retried after a
// capped, jittered backoff.
//
// Like VmCache, it never authorizes destruction: callers re-read a node before acting on
// it. All calls on the loop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>

#include "backends/api/nomad_api.h"
#include "base/event_loop.h"
#include "engine/cache/name_index.h"

namespace ha {

// An immutable node list with its nodes by name (a VM's name is its node's); of nodes that
// share a name (a VM restarted under it), the newest registration.
class NodeView {
 public:
  explicit NodeView(NodeList nodes);
  const NodeList& nodes() const { return nodes_; }
  const NomadNodeStub* named(std::string_view name) const;

 private:
  NodeList nodes_;
  NameIndex by_name_;
};

class NodeCache {
 public:
  struct Options {
    NomadNodeFilter filter;
    Duration wait = std::chrono::minutes(5);  // asked of the server per query
    // After an answer with changes, the next query waits this long: changes in a burst (a
    // scale-out's nodes joining) cost one list, not one each.
    Duration min_interval = std::chrono::seconds(1);
    Duration backoff_base = std::chrono::seconds(1);
    Duration backoff_cap = std::chrono::seconds(30);
  };
  struct Stats {
    std::uint64_t changes = 0;  // answers that changed the view (the first included)
    std::uint64_t queries = 0;  // blocking queries sent
    std::uint64_t relists = 0;  // queries from index 0 after the first (index reset)
    std::uint64_t failures = 0;
  };

  NodeCache(EventLoop& loop, NomadApi& api, Options options, std::uint64_t seed = 11);
  ~NodeCache();
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;

  void start();
  void stop();

  bool synced() const { return view_ != nullptr; }
  // The current view (null before the first answer); shared, so readers keep theirs as
  // long as they need it.
  std::shared_ptr<const NodeView> view() const { return view_; }
  std::uint64_t index() const { return index_; }
  // Since the server last answered; nullopt before the first answer.
  std::optional<Duration> staleness() const;
  const Stats& stats() const { return stats_; }

 private:
  void query();
  void query_after(Duration d);
  void answered(Result<NodeListAt> r);

  EventLoop& loop_;
  NomadApi& api_;
  Options options_;
  std::mt19937_64 rng_;
  bool running_ = false;
  std::shared_ptr<const NodeView> view_;
  std::uint64_t index_ = 0;
  std::optional<Time> heard_;
  int failures_in_a_row_ = 0;
  std::optional<EventLoop::TimerId> retry_;
  std::shared_ptr<std::uint64_t> epoch_ = std::make_shared<std::uint64_t>(0);
  Stats stats_;
};

}  // namespace ha
