#include "backends/mock_server/nomad_mock_server.h"

#include <httplib.h>

#include <strings.h>

#include <future>
#include <regex>

#include "backends/mock_server/mock_faults.h"
#include "backends/mock_server/nomad_metrics.h"
#include "backends/mock_server/server_setup.h"
#include "backends/wire/nomad_json.h"
#include "base/duration.h"

namespace ha {
namespace {

using nlohmann::json;

void text_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(message, "text/plain; charset=utf-8");
}

void reply(httplib::Response& res, const json& body, std::uint64_t index, bool read) {
  res.status = 200;
  res.set_header("X-Nomad-Index", std::to_string(index));
  if (read) {
    res.set_header("X-Nomad-KnownLeader", "true");
    res.set_header("X-Nomad-LastContact", "0");
  }
  res.set_content(body.dump(), "application/json");
}

// Parses a write's body; false (after answering 400) when it is empty or not JSON.
bool body_json(const httplib::Request& req, httplib::Response& res, json& out) {
  if (req.body.empty()) {
    text_error(res, 400, "Request body is empty");
    return false;
  }
  try {
    out = json::parse(req.body);
  } catch (const json::exception& e) {  // syntax, or a number out of range
    // Nomad's words for a body its decoder refuses; the parser's own text after them.
    std::string why = e.what();
    if (auto bracket = why.find("] ");
        why.rfind("[json.exception", 0) == 0 && bracket != std::string::npos) {
      why = why.substr(bracket + 2);
    }
    text_error(res, 400, "Request decode failed: " + why);
    return false;
  }
  return true;
}

// `Field == "value"`, the one filter form the mock understands.
bool parse_filter(const std::string& filter, std::string& field, std::string& value) {
  static const std::regex kForm(R"re(^\s*(Name|NodeClass)\s*==\s*"([^"]*)"\s*$)re");
  std::smatch m;
  if (!std::regex_match(filter, m, kForm)) return false;
  field = m[1];
  value = m[2];
  return true;
}

}  // namespace

NomadMockServer::NomadMockServer(RealtimeLoop& loop, NomadModel& model, Options options)
    : MockHttpServer(loop, std::make_unique<httplib::Server>()),
      model_(model),
      options_(std::move(options)) {
  routes();
}

NomadMockServer::~NomadMockServer() {
  stop();
}

// The memory backends' name of the call a request makes ("" for none faults apply to).
std::string NomadMockServer::operation(const httplib::Request& req) {
  const std::string& p = req.path;
  auto ends = [&p](std::string_view tail) {
    return p.size() > tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (p == "/v1/nodes") return "list_nodes";
  if (p == "/v1/jobs") return "list_jobs";
  if (p.rfind("/v1/scaling/polic", 0) == 0) return "list_scaling_policies";
  if (p.rfind("/v1/node/", 0) == 0) {
    if (ends("/drain")) return "drain_node";
    if (ends("/eligibility")) return "set_eligibility";
    if (ends("/purge")) return "purge_node";
    if (ends("/allocations")) return "node_allocations";
    return "get_node";
  }
  if (p.rfind("/v1/job/", 0) == 0 && ends("/scale")) {
    return req.method == "GET" ? "job_scale_status" : "scale_job";
  }
  return "";
}

bool NomadMockServer::injected_fault(const httplib::Request& req, httplib::Response& res) {
  auto fault = decide_mock_fault(options_.faults, operation(req), res, loop().speed());
  if (fault) text_error(res, fault->first, fault->second);
  return fault.has_value();
}

void NomadMockServer::routes() {
  httplib::Server& s = http();
  // As Nomad's HTTP server: an unknown path is a 404 with an empty body, a known path with
  // another method "Invalid method" (Nomad's command/agent/http.go).
  answer_unrouted(
      s,
      {"/v1/nodes", "/v1/allocations", "/v1/node/[^/]+",
       "/v1/node/[^/]+/(drain|eligibility|purge|allocations)", "/v1/jobs", "/v1/job/[^/]+/scale",
       "/v1/scaling/policies", "/v1/scaling/policy/[^/]+", "/v1/metrics", "/v1/status/leader"},
      [](httplib::Response& res, int status) {
        if (status == 404) return;
        text_error(
            res, status,
            status == 405 ? "Invalid method" : "Bad request (HTTP " + std::to_string(status) + ")");
      });
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    inject_delay(options_.delay);
    using R = httplib::Server::HandlerResponse;
    if (options_.token.empty()) return injected_fault(req, res) ? R::Handled : R::Unhandled;
    std::string token = req.get_header_value("X-Nomad-Token");
    std::string auth = req.get_header_value("Authorization");
    if (token.empty() && auth.size() > 7 && strncasecmp(auth.c_str(), "Bearer ", 7) == 0) {
      token = auth.substr(7);
    }
    if (token != options_.token) {
      text_error(res, 403, token.empty() ? "Permission denied" : "ACL token not found");
      return httplib::Server::HandlerResponse::Handled;
    }
    return injected_fault(req, res) ? R::Handled : R::Unhandled;
  });
  s.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    finish_applied_fault(res, [](httplib::Response& r, int status, const std::string& message) {
      text_error(r, status, message);
    });
  });
  if (options_.fault_admin) add_fault_admin(s, options_.fault_admin);

  // Blocking reads: answer at once unless ?index=N is given and the index of what is read
  // (the node table's for /v1/nodes, as Nomad's; the model's for the rest) is not past N
  // yet; then wait for a change, up to ?wait (default and cap 5m), or the server's stop.
  auto block_on = [this](const httplib::Request& req, httplib::Response& res,
                         std::function<std::uint64_t()> index_of) -> bool {
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
  };
  auto block = [this, block_on](const httplib::Request& req, httplib::Response& res) {
    return block_on(req, res, [this] { return model_.index(); });
  };

  s.Get("/v1/nodes", [this, block_on](const httplib::Request& req, httplib::Response& res) {
    NomadNodeFilter filter;
    if (req.has_param("filter")) {
      std::string field, value;
      if (!parse_filter(req.get_param_value("filter"), field, value)) {
        text_error(res, 400,
                   "mock server: unsupported filter (use Name == \"x\" or NodeClass == \"x\")");
        return;
      }
      (field == "Name" ? filter.name : filter.node_class) = value;
    }
    if (!block_on(req, res, [this] { return model_.nodes_index(); })) return;
    std::string prefix = req.get_param_value("prefix");
    auto [nodes, index] = on_loop([&] {
      return std::pair{model_.list_nodes(filter), model_.nodes_index()};
    });
    json out = json::array();
    for (const auto& n : nodes) {
      if (n->id.rfind(prefix, 0) == 0) out.push_back(nomad_json::node_stub(*n));
    }
    reply(res, out, index, true);
  });

  s.Get(R"(/v1/node/([^/]+))", [this, block](const httplib::Request& req, httplib::Response& res) {
    if (!block(req, res)) return;
    std::string id = req.matches[1];
    auto [node, index] = on_loop([&] { return std::pair{model_.node(id), model_.index()}; });
    if (!node) return text_error(res, 404, "node not found");
    reply(res, nomad_json::node(*node), index, true);
  });

  s.Get(R"(/v1/node/([^/]+)/allocations)",
        [this, block](const httplib::Request& req, httplib::Response& res) {
          if (!block(req, res)) return;
          std::string id = req.matches[1];
          auto [allocs, name, index] = on_loop([&] {
            auto node = model_.node(id);
            return std::tuple{model_.node_allocations(id), node ? node->name : std::string(),
                              model_.index()};
          });
          json out = json::array();
          for (const auto& a : allocs) out.push_back(nomad_json::allocation(a, name));
          reply(res, out, index, true);
        });

  // Every allocation (Nomad: of the namespace; the model has one), blocking like the others.
  s.Get("/v1/allocations", [this, block](const httplib::Request& req, httplib::Response& res) {
    if (!block(req, res)) return;
    std::string prefix = req.get_param_value("prefix");
    auto [allocs, index] = on_loop([&] {
      return std::pair{model_.all_allocations(), model_.index()};
    });
    json out = json::array();
    for (const auto& [a, node_name] : allocs) {
      if (a.id.rfind(prefix, 0) == 0) out.push_back(nomad_json::allocation(a, node_name));
    }
    reply(res, out, index, true);
  });

  // A node write: an unknown node is a 500 (an RPC error), as in Nomad.
  auto node_write = [this](httplib::Response& res, const std::function<Result<Unit>()>& change) {
    auto [result, index] = on_loop([&] {
      auto r = change();
      return std::pair{r, model_.index()};
    });
    if (!result) return text_error(res, 500, result.error().message);
    reply(res,
          {{"NodeModifyIndex", index},
           {"EvalIDs", nullptr},
           {"EvalCreateIndex", 0},
           {"Index", index}},
          index, false);
  };
  auto drain = [this, node_write](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_json(req, res, body)) return;
    auto request = nomad_json::read_drain_request(body);
    if (!request) return text_error(res, 400, request.error().message);
    std::string id = req.matches[1];
    node_write(res, [&] { return model_.drain_node(id, request->spec, request->mark_eligible); });
  };
  s.Put(R"(/v1/node/([^/]+)/drain)", drain);
  s.Post(R"(/v1/node/([^/]+)/drain)", drain);
  auto eligibility = [this, node_write](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_json(req, res, body)) return;
    std::string want = body.value("Eligibility", "");
    if (want != "eligible" && want != "ineligible") {
      return text_error(res, 500, "invalid scheduling eligibility \"" + want + "\"");
    }
    std::string id = req.matches[1];
    node_write(res, [&] { return model_.set_eligibility(id, want == "eligible"); });
  };
  s.Put(R"(/v1/node/([^/]+)/eligibility)", eligibility);
  s.Post(R"(/v1/node/([^/]+)/eligibility)", eligibility);
  auto purge = [this, node_write](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1];
    node_write(res, [&] { return model_.purge_node(id); });
  };
  s.Put(R"(/v1/node/([^/]+)/purge)", purge);
  s.Post(R"(/v1/node/([^/]+)/purge)", purge);

  s.Get("/v1/jobs", [this, block](const httplib::Request& req, httplib::Response& res) {
    if (!block(req, res)) return;
    std::string prefix = req.get_param_value("prefix");
    auto [jobs, index] = on_loop([&] { return std::pair{model_.list_jobs(), model_.index()}; });
    json out = json::array();
    for (const auto& j : jobs) {
      if (j.job_id.rfind(prefix, 0) == 0) out.push_back(nomad_json::job_list_stub(j, index));
    }
    reply(res, out, index, true);
  });

  s.Get(R"(/v1/job/([^/]+)/scale)",
        [this, block](const httplib::Request& req, httplib::Response& res) {
          if (!block(req, res)) return;
          std::string id = req.matches[1];
          auto [status, index] = on_loop([&] {
            return std::pair{model_.job_scale_status(id), model_.index()};
          });
          if (!status) return text_error(res, 404, "job not found");
          if (req.has_param("namespace")) status->namespace_ = req.get_param_value("namespace");
          reply(res, nomad_json::job_scale_status(*status), index, true);
        });
  auto scale = [this](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_json(req, res, body)) return;
    auto request = nomad_json::read_scaling_request(body);
    if (!request) return text_error(res, 400, request.error().message);
    std::string id = req.matches[1];
    if (!request->job.empty() && request->job != id) {
      return text_error(res, 400, "job ID in payload did not match URL");
    }
    if (request->group.empty())
      return text_error(res, 400, "missing task group name for scaling action");
    if (request->count && *request->count < 0) {
      return text_error(res, 400, "scaling action count can't be negative");
    }
    auto [status, result, index] = on_loop([&] {
      auto st = model_.job_scale_status(id);
      Result<Unit> r = Unit{};
      if (st && st->task_groups.count(request->group) && request->count) {
        r = model_.scale_job(id, request->group, *request->count);
      }
      return std::tuple{st, r, model_.index()};
    });
    if (!status) return text_error(res, 404, "job \"" + id + "\" not found");
    if (!status->task_groups.count(request->group)) {
      return text_error(
          res, 400,
          "task group \"" + request->group + "\" specified for scaling does not exist in job");
    }
    if (!result) return text_error(res, 400, result.error().message);
    reply(res,
          {{"EvalID", ""},
           {"EvalCreateIndex", index},
           {"JobModifyIndex", index},
           {"Warnings", ""},
           {"Index", index},
           {"LastContact", 0},
           {"KnownLeader", false},
           {"NextToken", ""}},
          index, false);
  };
  s.Put(R"(/v1/job/([^/]+)/scale)", scale);
  s.Post(R"(/v1/job/([^/]+)/scale)", scale);

  s.Get("/v1/scaling/policies", [this, block](const httplib::Request& req, httplib::Response& res) {
    if (!block(req, res)) return;
    std::string job = req.get_param_value("job"), type = req.get_param_value("type");
    auto [policies, index] = on_loop([this] {
      return std::pair{model_.scaling_policies(), model_.index()};
    });
    json out = json::array();
    for (const auto& p : policies) {
      if ((job.empty() || p.job == job) && p.type.rfind(type, 0) == 0) {
        out.push_back(nomad_json::scaling_policy_stub(p));
      }
    }
    reply(res, out, index, true);
  });
  s.Get(R"(/v1/scaling/policy/([^/]+))",
        [this, block](const httplib::Request& req, httplib::Response& res) {
          if (!block(req, res)) return;
          std::string id = req.matches[1];
          auto [found, index] = on_loop([&] {
            std::optional<NomadScalingPolicy> p;
            for (const auto& candidate : model_.scaling_policies()) {
              if (candidate.id == id) p = candidate;
            }
            return std::pair{p, model_.index()};
          });
          if (!found) return text_error(res, 404, "policy not found");
          reply(res, nomad_json::scaling_policy(*found), index, true);
        });

  s.Get("/v1/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    std::string format = req.get_param_value("format");
    if (!format.empty() && format != "prometheus") {
      return text_error(res, 400, "Invalid format: " + format);
    }
    if (format == "prometheus") {
      std::string text = on_loop([this] { return nomad_metrics_prometheus(model_); });
      res.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
      return;
    }
    res.set_content(on_loop([this] { return nomad_metrics_json(model_, loop().now()); }).dump(),
                    "application/json");
  });

  s.Get("/v1/status/leader", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("\"127.0.0.1:4647\"", "application/json");
  });
}

}  // namespace ha
