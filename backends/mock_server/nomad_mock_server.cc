#include "backends/mock_server/nomad_mock_server.h"
#include "backends/mock_server/tls_server.h"

#include <httplib.h>

#include <strings.h>

#include <future>
#include <optional>
#include <set>

#include "backends/mock_server/mock_faults.h"
#include "backends/mock_server/nomad_metrics.h"
#include "backends/mock_server/nomad_mock_replies.h"
#include "backends/mock_server/server_setup.h"
#include "backends/wire/nomad_json.h"
#include "base/duration.h"

namespace ha {
namespace {

using nlohmann::json;
using nomad_mock::body_json;
using nomad_mock::reply;
using nomad_mock::text_error;

}  // namespace

NomadMockServer::NomadMockServer(RealtimeLoop& loop, NomadModel& model, Options options)
    : MockHttpServer(loop, make_mock_server({options.tls_cert, options.tls_key, options.client_ca},
                                            ClientCertificates::kRequired)),
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
  if (p == "/v1/allocations") return "list_allocations";
  if (p == "/v1/jobs") return "list_jobs";
  if (p == "/v1/evaluations") return "list_evaluations";
  if (p == "/v1/event/stream") return "stream_events";
  if (p.rfind("/v1/var", 0) == 0) return "variables";
  if (p.rfind("/v1/scaling/polic", 0) == 0) return "list_scaling_policies";
  if (p.rfind("/v1/node/", 0) == 0) {
    if (ends("/drain")) return "drain_node";
    if (ends("/eligibility")) return "set_eligibility";
    if (ends("/purge")) return "purge_node";
    if (ends("/allocations")) return "node_allocations";
    return "get_node";
  }
  if (p.rfind("/v1/job/", 0) == 0 && ends("/summary")) return "job_summary";
  if (p.rfind("/v1/job/", 0) == 0 && ends("/allocations")) return "job_allocations";
  if (p.rfind("/v1/client/allocation/", 0) == 0) return "allocation_stats";
  if (p.rfind("/v1/job/", 0) == 0 && ends("/scale")) {
    return req.method == "GET" ? "job_scale_status" : "scale_job";
  }
  if (p.rfind("/v1/job/", 0) == 0) return "get_job";
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
       "/v1/job/[^/]+/summary", "/v1/job/[^/]+/allocations", "/v1/client/allocation/[^/]+/stats",
       "/v1/scaling/policies", "/v1/scaling/policy/[^/]+", "/v1/metrics", "/v1/status/leader",
       "/v1/event/stream", "/v1/vars", "/v1/var/.+"},
      [](httplib::Response& res, int status) {
        if (status == 404) return;
        text_error(
            res, status,
            status == 405 ? "Invalid method" : "Bad request (HTTP " + std::to_string(status) + ")");
      });
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    inject_delay(options_.delay);
    using R = httplib::Server::HandlerResponse;
    // parseConsistency (command/agent/http.go): `stale` empty or a Go bool; one server here,
    // so a stale read is the leader's answer.
    if (req.has_param("stale")) {
      static const std::set<std::string> kBool = {"",  "1", "t", "T",     "true",  "TRUE", "True",
                                                  "0", "f", "F", "false", "FALSE", "False"};
      if (!kBool.count(req.get_param_value("stale"))) {
        text_error(res, 400, "Expect `true` or `false` for `stale` query string parameter");
        return R::Handled;
      }
    }
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
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    finish_applied_fault(res, [](httplib::Response& r, int status, const std::string& message) {
      text_error(r, status, message);
    });
    if (options_.writes) {
      options_.writes->record("nomad", req.method, req.target, res.status,
                              req.get_header_value("User-Agent"));
    }
  });
  if (options_.fault_admin) add_fault_admin(s, options_.fault_admin);

  // Blocking reads of the rest: on the model's index.
  auto block = [this](const httplib::Request& req, httplib::Response& res) {
    return blocking_read(req, res, [this] { return model_.index(); });
  };
  node_read_routes();
  event_stream_route();
  variable_routes();

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
    std::string prefix = req.get_param_value("prefix"), ns = req.get_param_value("namespace");
    auto [jobs, index] = on_loop([&] { return std::pair{model_.list_jobs(), model_.index()}; });
    json out = json::array();
    for (const auto& j : jobs) {
      if (j.job_id.rfind(prefix, 0) == 0 && in_namespace(j.namespace_, ns)) {
        out.push_back(nomad_json::job_list_stub(j, index));
      }
    }
    reply(res, out, index, true);
  });

  // As Nomad: ?status= and ?job= filter; the model has blocked evaluations only.
  s.Get("/v1/evaluations", [this, block](const httplib::Request& req, httplib::Response& res) {
    if (!block(req, res)) return;
    std::string status = req.get_param_value("status"), job = req.get_param_value("job");
    std::string ns = req.get_param_value("namespace");
    auto [evals, index] = on_loop([&] {
      return std::pair{model_.blocked_evaluations(), model_.index()};
    });
    json out = json::array();
    for (const auto& e : evals) {
      if ((status.empty() || e.status == status) && (job.empty() || e.job_id == job) &&
          in_namespace(e.namespace_, ns)) {
        out.push_back(nomad_json::evaluation(e));
      }
    }
    reply(res, out, index, true);
  });

  s.Get(R"(/v1/job/([^/]+))", [this, block](const httplib::Request& req, httplib::Response& res) {
    if (!block(req, res)) return;
    std::string id = req.matches[1];
    auto [job, index] = on_loop([&] { return std::pair{model_.job(id), model_.index()}; });
    if (!job) return text_error(res, 404, "job not found");
    reply(res, nomad_json::job(*job), index, true);
  });
  s.Get(R"(/v1/job/([^/]+)/summary)",
        [this, block](const httplib::Request& req, httplib::Response& res) {
          if (!block(req, res)) return;
          std::string id = req.matches[1];
          auto [summary, index] = on_loop([&] {
            return std::pair{model_.job_summary(id), model_.index()};
          });
          if (!summary) return text_error(res, 404, "job not found");
          reply(res, nomad_json::job_summary(*summary, index), index, true);
        });
  s.Get(R"(/v1/job/([^/]+)/allocations)",
        [this, block](const httplib::Request& req, httplib::Response& res) {
          if (!block(req, res)) return;
          std::string id = req.matches[1];
          auto [allocs, index] = on_loop([&] {
            return std::pair{model_.job_allocations(id), model_.index()};
          });
          if (!allocs) return text_error(res, 404, "job not found");
          json out = json::array();
          for (const auto& a : *allocs) {
            out.push_back(nomad_json::allocation_stub(a, a.node_name, false));
          }
          reply(res, out, index, true);
        });
  // A client's endpoint, which a server forwards to the allocation's client.
  s.Get(R"(/v1/client/allocation/([^/]+)/stats)",
        [this, block](const httplib::Request& req, httplib::Response& res) {
          if (!block(req, res)) return;
          std::string id = req.matches[1];
          auto [usage, now] = on_loop([&] {
            return std::pair{model_.allocation_stats(id), loop().now()};
          });
          if (!usage) return text_error(res, 404, usage.error().message);
          res.set_content(nomad_json::alloc_usage(*usage, now.count()).dump(), "application/json");
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
  // The token is the mock's one token, a management token; without one ACLs are off (Nomad
  // answers 400 "ACL support disabled").
  s.Get("/v1/acl/token/self", [this](const httplib::Request&, httplib::Response& res) {
    if (options_.token.empty()) return text_error(res, 400, "ACL support disabled");
    res.set_content(nlohmann::json{{"AccessorID", "00000000-0000-0000-0000-00000000a11c"},
                                   {"SecretID", options_.token},
                                   {"Name", "mock management token"},
                                   {"Type", "management"},
                                   {"Policies", nullptr},
                                   {"Global", true},
                                   {"CreateIndex", 1},
                                   {"ModifyIndex", 1}}
                        .dump(),
                    "application/json");
  });
}

}  // namespace ha
