// NodeCache: the Nomad nodes of one filter (a node class), with their resources, kept
// current with blocking queries on GET /v1/nodes (see BlockingQueryCache). The node table
// has an index of its own, so allocations coming and going never wake it.
//
// Like every cache it never authorizes destruction: callers re-read a node before acting
// on it. All calls on the loop.
#pragma once

#include "backends/api/nomad_api.h"
#include "engine/cache/blocking_query_cache.h"
#include "engine/cache/name_index.h"

namespace ha {

// An immutable node list with its nodes by name (a VM's name is its node's); of nodes that
// share a name (a VM restarted under it), the newest registration.
class NodeView {
 public:
  explicit NodeView(NodeList nodes);
  const NodeList& nodes() const { return nodes_; }
  // The node of that name, or of a fully qualified name that starts with it and a dot (the
  // newest registration of either); `name` has no dot (a VM's name).
  const NomadNodeStub* named(std::string_view name) const;

 private:
  NodeList nodes_;
  NameIndex by_name_;
};

class NodeCache : public BlockingQueryCache<NodeListAt, NodeView> {
 public:
  struct Options : BlockingQueryTiming {
    NomadNodeFilter filter;
  };
  NodeCache(EventLoop& loop, NomadApi& api, Options options, std::uint64_t seed = 11);
};

}  // namespace ha
