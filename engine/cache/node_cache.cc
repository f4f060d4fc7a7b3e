#include "engine/cache/node_cache.h"

#include "base/backoff.h"

namespace ha {

NodeView::NodeView(NodeList nodes) : nodes_(std::move(nodes)) {
  by_name_.build(
      nodes_.size(), [this](std::size_t i) { return std::string_view(nodes_[i]->name); },
      [this](std::size_t i, std::size_t kept) {
        return nodes_[i]->create_index > nodes_[kept]->create_index;
      });
}

const NomadNodeStub* NodeView::named(std::string_view name) const {
  auto at = by_name_.find(name);
  return at ? nodes_[*at].get() : nullptr;
}

NodeCache::NodeCache(EventLoop& loop, NomadApi& api, Options options, std::uint64_t seed)
    : loop_(loop), api_(api), options_(std::move(options)), rng_(seed) {}

NodeCache::~NodeCache() {
  stop();
}

void NodeCache::start() {
  if (running_) return;
  running_ = true;
  query();
}

void NodeCache::stop() {
  running_ = false;
  ++*epoch_;
  if (retry_) loop_.cancel(*retry_);
  retry_.reset();
}

std::optional<Duration> NodeCache::staleness() const {
  if (!heard_) return std::nullopt;
  return loop_.now() - *heard_;
}

void NodeCache::query() {
  ++stats_.queries;
  if (index_ == 0 && view_) ++stats_.relists;
  std::weak_ptr<std::uint64_t> epoch = epoch_;
  std::uint64_t mine = *epoch_;
  api_.watch_nodes(options_.filter, index_, options_.wait,
                   [this, epoch, mine](Result<NodeListAt> r) {
                     auto e = epoch.lock();
                     if (e && *e == mine && running_) answered(std::move(r));
                   });
}

void NodeCache::query_after(Duration d) {
  std::weak_ptr<std::uint64_t> epoch = epoch_;
  std::uint64_t mine = *epoch_;
  retry_ = loop_.after(d, [this, epoch, mine] {
    auto e = epoch.lock();
    if (!e || *e != mine || !running_) return;
    retry_.reset();
    query();
  });
}

void NodeCache::answered(Result<NodeListAt> r) {
  if (!r) {
    ++stats_.failures;
    ++failures_in_a_row_;
    return query_after(
        jittered_backoff(options_.backoff_base, options_.backoff_cap, failures_in_a_row_, rng_));
  }
  failures_in_a_row_ = 0;
  heard_ = loop_.now();
  if (r->index < index_) {
    index_ = 0;  // the server's state went back: start again from a full answer
    return query();
  }
  bool changed = !view_ || r->index > index_;
  if (changed) {
    view_ = std::make_shared<const NodeView>(std::move(r->nodes));
    ++stats_.changes;
  }
  // Nomad asks clients to treat 0 as 1, so that a query never answers at once forever.
  index_ = std::max<std::uint64_t>(r->index, 1);
  if (changed && options_.min_interval > Duration(0)) return query_after(options_.min_interval);
  query();
}

}  // namespace ha
