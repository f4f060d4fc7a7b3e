#include "engine/cache/node_cache.h"

namespace ha {

NodeView::NodeView(NodeList nodes) : nodes_(std::move(nodes)) {
  by_name_.build(
      nodes_.size(), [this](std::size_t i) { return node_short_name(nodes_[i]->name); },
      [this](std::size_t i, std::size_t kept) {
        return nodes_[i]->create_index > nodes_[kept]->create_index;
      });
}

const NomadNodeStub* NodeView::named(std::string_view name) const {
  auto at = by_name_.find(name);
  return at ? nodes_[*at].get() : nullptr;
}

NodeCache::NodeCache(EventLoop& loop, NomadApi& api, Options options, std::uint64_t seed)
    : BlockingQueryCache(
          loop,
          [&api, filter = options.filter](std::uint64_t index, Duration wait,
                                          Done<NodeListAt> done) {
            api.watch_nodes(filter, index, wait, std::move(done));
          },
          [](NodeListAt&& answer) {
            return std::make_shared<const NodeView>(std::move(answer.nodes));
          },
          options, seed) {}

}  // namespace ha
