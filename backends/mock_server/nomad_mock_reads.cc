// The mock Nomad's node and allocation reads, blocking as Nomad's: /v1/nodes on the node
// table's index, /v1/allocations and /v1/node/:id/allocations on the allocation table's,
// /v1/node/:id on the model's.
#include <httplib.h>

#include <optional>
#include <regex>
#include <thread>

#include "backends/mock_server/nomad_mock_replies.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/wire/nomad_json.h"
#include "base/duration.h"

namespace ha {
namespace {

using nlohmann::json;
using nomad_mock::reply;
using nomad_mock::text_error;

// The filter expressions (go-bexpr) the mock understands: `Field == "x"` for Name,
// NodeClass and NodePool, and `Name matches "regexp"`, joined by `and`; and one group
// `(Meta["harvester.vm"] == "ns/vm" or Name matches "regexp")`, which the model answers as
// NomadNodeFilter's vm_meta with the name.
bool parse_filter(std::string filter, NomadNodeFilter& out,
                  std::optional<std::regex>& name_matches) {
  static const std::regex kAnd(R"re(\s+and\s+)re");
  static const std::regex kTerm(
      R"re(^\s*(Name|NodeClass|NodePool)\s*(==|matches)\s*"([^"]*)"\s*$)re");
  static const std::regex kVmGroup(
      R"re(^\s*\(\s*Meta\["harvester\.vm"\]\s*==\s*"([^"]*)"\s+or\s+Name\s+matches\s+"\^([A-Za-z0-9-]+)\(\[\.\]\.\*\)\?\$"\s*\)(\s+and\s+(.*))?$)re");
  if (std::smatch g; std::regex_match(filter, g, kVmGroup)) {
    out.vm_meta = g[1];
    out.name = g[2];
    if (!g[3].matched) return true;
    filter = g[4].str();
  }
  for (std::sregex_token_iterator it(filter.begin(), filter.end(), kAnd, -1), end; it != end;
       ++it) {
    std::smatch m;
    std::string term = *it;
    if (!std::regex_match(term, m, kTerm)) return false;
    std::string field = m[1];
    if (m[2] == "matches") {
      if (field != "Name") return false;
      try {
        name_matches = std::regex(m[3].str(), std::regex::extended);
      } catch (const std::regex_error&) {
        return false;
      }
      continue;
    }
    (field == "Name" ? out.name : field == "NodeClass" ? out.node_class : out.node_pool) = m[3];
  }
  return true;
}

// A boolean query parameter as Go's strconv.ParseBool reads it; absent is false, a value
// it cannot read nullopt.
std::optional<bool> flag(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return false;
  std::string v = req.get_param_value(name);
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

bool NomadMockServer::blocking_read(const httplib::Request& req, httplib::Response& res,
                                    const std::function<std::uint64_t()>& index_of) {
  if (!req.has_param("index")) return true;
  std::uint64_t min_index = 0;
  try {
    min_index = std::stoull(req.get_param_value("index"));
  } catch (const std::exception&) {
    text_error(res, 400, "Invalid index");
    return false;
  }
  auto wait = options_.max_wait;
  if (req.has_param("wait")) {
    auto d = parse_duration(req.get_param_value("wait"), {});
    if (!d) {
      text_error(res, 400, "Invalid wait time");
      return false;
    }
    wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*d));
  }
  auto give_up = std::chrono::steady_clock::now() + wait;
  while (on_loop(index_of) <= min_index && std::chrono::steady_clock::now() < give_up &&
         !stopping()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void NomadMockServer::node_read_routes() {
  httplib::Server& s = http();
  auto on_allocations = [this] { return model_.allocations_index(); };

  s.Get("/v1/nodes", [this](const httplib::Request& req, httplib::Response& res) {
    auto resources = flag(req, "resources");
    if (!resources) {
      return text_error(
          res, 400,
          "Failed to parse node list fields: Failed to parse value of \"resources\" (" +
              req.get_param_value("resources") + "): invalid syntax");
    }
    NomadNodeFilter filter;
    std::optional<std::regex> name_matches;
    if (req.has_param("filter")) {
      if (!parse_filter(req.get_param_value("filter"), filter, name_matches)) {
        text_error(res, 400,
                   "mock server: unsupported filter (use Name, NodeClass or NodePool == \"x\", "
                   "Name matches \"re\", joined by and, after one (Meta[\"harvester.vm\"] == "
                   "\"ns/vm\" or Name matches \"^vm([.].*)?$\"))");
        return;
      }
    }
    if (!blocking_read(req, res, [this] { return model_.nodes_index(); })) return;
    std::string prefix = req.get_param_value("prefix");
    auto [nodes, index] = on_loop([&] {
      return std::pair{model_.list_nodes(filter), model_.nodes_index()};
    });
    json out = json::array();
    for (const auto& n : nodes) {
      if (n->id.rfind(prefix, 0) != 0) continue;
      if (name_matches && !std::regex_search(n->name, *name_matches)) continue;
      out.push_back(nomad_json::node_stub(*n, *resources));
    }
    reply(res, out, index, true);
  });

  s.Get(R"(/v1/node/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!blocking_read(req, res, [this] { return model_.index(); })) return;
    std::string id = req.matches[1];
    auto [node, index] = on_loop([&] { return std::pair{model_.node(id), model_.index()}; });
    if (!node) return text_error(res, 404, "node not found");
    reply(res, nomad_json::node(*node), index, true);
  });

  s.Get(R"(/v1/node/([^/]+)/allocations)",
        [this, on_allocations](const httplib::Request& req, httplib::Response& res) {
          if (!blocking_read(req, res, on_allocations)) return;
          std::string id = req.matches[1];
          auto [allocs, name, index] = on_loop([&] {
            auto node = model_.node(id);
            return std::tuple{model_.node_allocations(id), node ? node->name : std::string(),
                              model_.allocations_index()};
          });
          json out = json::array();
          for (const auto& a : allocs) out.push_back(nomad_json::allocation(a, name));
          reply(res, out, index, true);
        });

  // Every allocation of the request's namespace (none: default; "*": all) as list stubs.
  s.Get("/v1/allocations",
        [this, on_allocations](const httplib::Request& req, httplib::Response& res) {
          auto resources = flag(req, "resources");
          if (!resources) {
            return text_error(res, 400,
                              "Failed to parse value of \"resources\" (" +
                                  req.get_param_value("resources") + "): invalid syntax");
          }
          if (!blocking_read(req, res, on_allocations)) return;
          std::string prefix = req.get_param_value("prefix");
          std::string ns = req.get_param_value("namespace");
          auto [allocs, index] = on_loop([&] {
            return std::pair{model_.all_allocations(), model_.allocations_index()};
          });
          json out = json::array();
          for (const auto& [a, node_name] : allocs) {
            if (a.id.rfind(prefix, 0) == 0 && in_namespace(a.namespace_, ns)) {
              out.push_back(nomad_json::allocation_stub(a, node_name, *resources));
            }
          }
          reply(res, out, index, true);
        });
}

}  // namespace ha
