#include "backends/http/nomad_http_api.h"

#include <algorithm>
#include <cctype>

#include "backends/api/vm_labels.h"
#include "backends/http/http_response.h"
#include "backends/wire/nomad_json.h"

namespace ha {
namespace {

using nlohmann::json;

// A JSON array of `what`, each item read by `read`; the first item that fails fails all.
template <typename T>
Result<std::vector<T>> read_array(const json& j, const char* what, Result<T> (*read)(const json&)) {
  if (!j.is_array()) return make_error(std::string("expected an array of ") + what);
  std::vector<T> out;
  out.reserve(j.size());
  for (const json& item : j) {
    auto r = read(item);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

NomadHttpApi::NomadHttpApi(HttpTransport& transport, Options options)
    : transport_(transport), options_(std::move(options)) {
  while (!options_.address.empty() && options_.address.back() == '/') options_.address.pop_back();
}

template <typename T, typename Parse>
void NomadHttpApi::call(const std::string& method, const std::string& path,
                        const std::string& query, const std::string& body, Done<T> done,
                        Parse parse) {
  send_json_call(transport_, request(method, path, query, body), std::move(done), std::move(parse));
}

HttpRequest NomadHttpApi::request(const std::string& method, const std::string& path,
                                  const std::string& query, const std::string& body) const {
  HttpRequest r;
  r.method = method;
  r.path = path;
  std::string q = query;
  if (!options_.region.empty())
    q += (q.empty() ? "" : "&") + ("region=" + url_escape(options_.region));
  r.url = options_.address + path + (q.empty() ? "" : "?" + q);
  if (!options_.token.empty()) r.headers["X-Nomad-Token"] = options_.token;
  if (!body.empty()) {
    r.headers["Content-Type"] = "application/json";
    r.body = body;
  }
  return r;
}

namespace {

// The query of a node list: Nomad's filter expression (go-bexpr over NodeListStub); the
// answer is filtered again, which any server agrees with.
std::string node_list_query(const NomadNodeFilter& filter) {
  std::string expr;
  auto add = [&expr](const char* field, const std::string& value) {
    if (value.empty()) return;
    if (!expr.empty()) expr += " and ";
    expr += std::string(field) + " == \"" + value + "\"";
  };
  // A VM's name (letters, digits, '-'): that node, or one whose fully qualified name starts
  // with it (go-bexpr's `matches`); any other name exactly.
  bool label =
      !filter.name.empty() && std::all_of(filter.name.begin(), filter.name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-';
      });
  if (label) {
    expr = "Name matches \"^" + filter.name + "([.].*)?$\"";
  } else {
    add("Name", filter.name);
  }
  if (!expr.empty() && !filter.vm_meta.empty()) {
    expr = "(Meta[\"" + std::string(vm_labels::kNodeVmMeta) + "\"] == \"" + filter.vm_meta +
           "\" or " + expr + ")";
  }
  add("NodeClass", filter.node_class);
  add("NodePool", filter.node_pool);
  return expr.empty() ? "" : "filter=" + url_escape(expr);
}

Result<NodeList> read_node_list(const json& j, const NomadNodeFilter& filter) {
  if (!j.is_array()) return make_error("expected an array of nodes");
  NodeList out;
  for (const json& item : j) {
    auto stub = nomad_json::read_node_stub(item);
    if (!stub) return stub.error();
    if (!filter.node_class.empty() && stub->node_class != filter.node_class) continue;
    if (!filter.node_pool.empty() && stub->node_pool != filter.node_pool) continue;
    // A node the server matched by its meta (which a stub does not carry) stays.
    if (!filter.name.empty() && filter.vm_meta.empty() &&
        !node_name_matches(stub->name, filter.name)) {
      continue;
    }
    out.push_back(std::make_shared<const NomadNodeStub>(std::move(*stub)));
  }
  return out;
}

// Allocations (full or list stubs) without the terminal ones: those are history, not work
// on a node. `on_client`: terminal on their client only, so that one the server stopped and
// its client still stops (DesiredStatus stop, ClientStatus running) is kept, as a node's
// list must show it to whoever waits for the node to be empty.
Result<std::vector<NomadAllocationStub>> read_live_allocations(const json& j, bool on_client) {
  if (!j.is_array()) return make_error("expected an array of allocations");
  std::vector<NomadAllocationStub> out;
  for (const json& item : j) {
    auto a = nomad_json::read_allocation(item);
    if (!a) return a.error();
    bool ended = a->client_status == "complete" || a->client_status == "failed" ||
                 a->client_status == "lost";
    if (on_client ? !ended : !is_terminal(*a)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace

void NomadHttpApi::list_nodes(const NomadNodeFilter& filter, Done<NodeList> done) {
  call<NodeList>("GET", "/v1/nodes", node_list_query(filter), "", std::move(done),
                 [filter](const json& j) { return read_node_list(j, filter); });
}

template <typename T, typename Parse>
void NomadHttpApi::blocking_get(const std::string& path, std::string query, std::uint64_t index,
                                Duration wait, Done<std::pair<T, std::uint64_t>> done,
                                Parse parse) {
  // A cache's reads may be answered by any server (Go's QueryOptions.AllowStale): a
  // follower's copy is at most a heartbeat behind, the next answer catches up, and the
  // leader is spared thousands of nodes' lists.
  query += (query.empty() ? "" : "&") + std::string("stale=");
  if (index > 0) {
    auto seconds =
        std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(wait).count());
    query += (query.empty() ? "" : "&") + ("index=" + std::to_string(index)) +
             "&wait=" + std::to_string(seconds) + "s";
  }
  HttpRequest r = request("GET", path, query, "");
  // The server holds the answer up to `wait` (plus up to wait/16 of jitter, as Nomad does).
  r.timeout = wait + wait / 8 + std::chrono::seconds(10);
  std::string where = "GET " + path;
  transport_.send(std::move(r), [where, parse = std::move(parse),
                                 done = std::move(done)](Result<HttpResponse> res) {
    std::optional<std::uint64_t> at;
    if (res) {
      auto h = res->headers.find("x-nomad-index");
      if (h != res->headers.end()) {
        try {
          at = std::stoull(h->second);
        } catch (const std::exception&) {
        }
      }
    }
    auto j = json_answer(std::move(res), where);
    if (!j) return done(j.error());
    if (!at) {
      return done(make_error(where + ": unexpected response: no valid X-Nomad-Index header",
                             ErrorKind::kInvalid));
    }
    Result<T> body = parse(*j);
    if (!body) {
      return done(make_error(where + ": unexpected response: " + body.error().message,
                             ErrorKind::kInvalid));
    }
    done(std::pair<T, std::uint64_t>{std::move(*body), *at});
  });
}

void NomadHttpApi::watch_nodes(const NomadNodeFilter& filter, std::uint64_t index, Duration wait,
                               Done<NodeListAt> done) {
  // With resources: a cache of nodes answers capacity questions without a read per node.
  std::string query = node_list_query(filter);
  query += (query.empty() ? "" : "&") + std::string("resources=true");
  blocking_get<NodeList>(
      "/v1/nodes", query, index, wait,
      [done = std::move(done)](Result<std::pair<NodeList, std::uint64_t>> r) {
        if (!r) return done(r.error());
        done(NodeListAt{std::move(r->first), r->second});
      },
      [filter](const json& j) { return read_node_list(j, filter); });
}

void NomadHttpApi::watch_allocations(std::uint64_t index, Duration wait,
                                     Done<AllocationListAt> done) {
  using Allocations = std::vector<NomadAllocationStub>;
  blocking_get<Allocations>(
      "/v1/allocations", "namespace=*&resources=true&task_states=false", index, wait,
      [done = std::move(done)](Result<std::pair<Allocations, std::uint64_t>> r) {
        if (!r) return done(r.error());
        done(AllocationListAt{std::move(r->first), r->second});
      },
      [](const json& j) { return read_live_allocations(j, false); });
}

void NomadHttpApi::get_node(const std::string& node_id, Done<NomadNode> done) {
  call<NomadNode>("GET", "/v1/node/" + url_escape(node_id), "", "", std::move(done),
                  [](const json& j) { return nomad_json::read_node(j); });
}

void NomadHttpApi::drain_node(const std::string& node_id, std::optional<NomadDrainSpec> spec,
                              bool mark_eligible, Done<Unit> done) {
  call<Unit>("PUT", "/v1/node/" + url_escape(node_id) + "/drain", "",
             nomad_json::drain_request(node_id, spec, mark_eligible).dump(), std::move(done),
             [](const json&) -> Result<Unit> { return Unit{}; });
}

void NomadHttpApi::set_eligibility(const std::string& node_id, bool eligible, Done<Unit> done) {
  json body = {{"NodeID", node_id}, {"Eligibility", eligible ? "eligible" : "ineligible"}};
  call<Unit>("PUT", "/v1/node/" + url_escape(node_id) + "/eligibility", "", body.dump(),
             std::move(done), [](const json&) -> Result<Unit> { return Unit{}; });
}

void NomadHttpApi::purge_node(const std::string& node_id, Done<Unit> done) {
  call<Unit>("PUT", "/v1/node/" + url_escape(node_id) + "/purge", "", "", std::move(done),
             [](const json&) -> Result<Unit> { return Unit{}; });
}

void NomadHttpApi::node_allocations(const std::string& node_id,
                                    Done<std::vector<NomadAllocationStub>> done) {
  call<std::vector<NomadAllocationStub>>(
      "GET", "/v1/node/" + url_escape(node_id) + "/allocations", "", "", std::move(done),
      [](const json& j) { return read_live_allocations(j, true); });
}

void NomadHttpApi::list_jobs(Done<std::vector<NomadJobSummary>> done) {
  call<std::vector<NomadJobSummary>>(
      "GET", "/v1/jobs", "namespace=*", "", std::move(done),
      [](const json& j) { return read_array(j, "jobs", nomad_json::read_job_list_stub); });
}

void NomadHttpApi::job_summary(const std::string& job_id, const std::string& ns,
                               Done<NomadJobSummary> done) {
  std::string n = ns.empty() ? options_.namespace_ : ns;
  call<NomadJobSummary>("GET", "/v1/job/" + url_escape(job_id) + "/summary",
                        n.empty() ? "" : "namespace=" + url_escape(n), "", std::move(done),
                        [](const json& j) { return nomad_json::read_job_summary(j); });
}

void NomadHttpApi::job_allocations(const std::string& job_id, const std::string& ns,
                                   Done<std::vector<NomadAllocationStub>> done) {
  std::string n = ns.empty() ? options_.namespace_ : ns;
  call<std::vector<NomadAllocationStub>>(
      "GET", "/v1/job/" + url_escape(job_id) + "/allocations",
      n.empty() ? "" : "namespace=" + url_escape(n), "", std::move(done),
      [](const json& j) { return read_array(j, "allocations", nomad_json::read_allocation); });
}

void NomadHttpApi::allocation_stats(const std::string& alloc_id, const std::string& ns,
                                    Done<NomadAllocUsage> done) {
  std::string n = ns.empty() ? options_.namespace_ : ns;
  call<NomadAllocUsage>("GET", "/v1/client/allocation/" + url_escape(alloc_id) + "/stats",
                        n.empty() ? "" : "namespace=" + url_escape(n), "", std::move(done),
                        [](const json& j) { return nomad_json::read_alloc_usage(j); });
}

void NomadHttpApi::list_evaluations(const std::string& status,
                                    Done<std::vector<NomadEvaluation>> done) {
  std::string query = "namespace=*";
  if (!status.empty()) query += "&status=" + url_escape(status);
  call<std::vector<NomadEvaluation>>(
      "GET", "/v1/evaluations", query, "", std::move(done),
      [](const json& j) { return read_array(j, "evaluations", nomad_json::read_evaluation); });
}

void NomadHttpApi::list_scaling_policies(Done<std::vector<NomadScalingPolicy>> done) {
  call<std::vector<std::string>>(
      "GET", "/v1/scaling/policies", "namespace=*", "",
      [this, done = std::move(done)](Result<std::vector<std::string>> ids) {
        if (!ids) return done(ids.error());
        if (ids->empty()) return done(std::vector<NomadScalingPolicy>{});
        // Every policy read in parallel; the answer comes once all have.
        struct State {
          std::vector<NomadScalingPolicy> policies;
          std::size_t outstanding = 0;
          std::optional<Error> failed;
        };
        auto state = std::make_shared<State>();
        state->policies.resize(ids->size());
        state->outstanding = ids->size();
        for (std::size_t i = 0; i < ids->size(); ++i) {
          call<NomadScalingPolicy>(
              "GET", "/v1/scaling/policy/" + url_escape((*ids)[i]), "", "",
              [state, i, done](Result<NomadScalingPolicy> p) {
                if (p) {
                  state->policies[i] = std::move(*p);
                } else {
                  state->failed = p.error();
                }
                if (--state->outstanding > 0) return;
                if (state->failed) return done(*state->failed);
                done(std::move(state->policies));
              },
              [](const json& j) { return nomad_json::read_scaling_policy(j); });
        }
      },
      [](const json& j) -> Result<std::vector<std::string>> {
        if (!j.is_array()) return make_error("expected an array of scaling policies");
        std::vector<std::string> ids;
        for (const json& item : j) {
          auto id = nomad_json::read_scaling_policy_stub_id(item);
          if (!id) return id.error();
          ids.push_back(*id);
        }
        return ids;
      });
}

void NomadHttpApi::get_job(const std::string& job_id, const std::string& ns, Done<NomadJob> done) {
  std::string n = ns.empty() ? options_.namespace_ : ns;
  call<NomadJob>("GET", "/v1/job/" + url_escape(job_id),
                 n.empty() ? "" : "namespace=" + url_escape(n), "", std::move(done),
                 [](const json& j) { return nomad_json::read_job(j); });
}

void NomadHttpApi::job_scale_status(const std::string& job_id, const std::string& ns,
                                    Done<NomadJobScaleStatus> done) {
  std::string n = ns.empty() ? options_.namespace_ : ns;
  call<NomadJobScaleStatus>("GET", "/v1/job/" + url_escape(job_id) + "/scale",
                            n.empty() ? "" : "namespace=" + url_escape(n), "", std::move(done),
                            [](const json& j) { return nomad_json::read_job_scale_status(j); });
}

void NomadHttpApi::scale_job(const std::string& job_id, const std::string& group,
                             std::int64_t count, const std::string& reason, const std::string& ns,
                             Done<Unit> done) {
  std::string n = ns.empty() ? options_.namespace_ : ns;
  call<Unit>(
      "PUT", "/v1/job/" + url_escape(job_id) + "/scale",
      n.empty() ? "" : "namespace=" + url_escape(n),
      nomad_json::scaling_request(job_id, group, count, reason, n.empty() ? "default" : n).dump(),
      std::move(done), [](const json&) -> Result<Unit> { return Unit{}; });
}

void NomadHttpApi::get_json(const std::string& path, Done<nlohmann::json> done) {
  call<nlohmann::json>("GET", path, "", "", std::move(done),
                       [](const nlohmann::json& j) -> Result<nlohmann::json> { return j; });
}

}  // namespace ha
