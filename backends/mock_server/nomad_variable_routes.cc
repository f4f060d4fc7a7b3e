// The mock Nomad's Variables API (command/agent/variable_endpoint.go): GET /v1/vars
// (`prefix`), GET, PUT|POST (`cas`, `lock-acquire`, `lock-renew`, `lock-release`) and DELETE
// /v1/var/:path, in the namespace of `?namespace=` ("default" without it), with Nomad's
// status codes: a lock held by another is a 409 whose body is the variable with its data
// left out, as Nomad answers it. Locks run on the wall clock whatever the loop's speed: their
// TTLs are the agents' real seconds, as a Nomad server's timers are.
#include <httplib.h>

#include "backends/mock_server/nomad_mock_replies.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/wire/nomad_variable_json.h"

namespace ha {
namespace {

using nlohmann::json;
using nomad_mock::body_json;
using nomad_mock::reply;
using nomad_mock::text_error;

Time wall_now() {
  return std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch());
}

int status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kInvalid:
      return 400;
    default:
      return 500;
  }
}

std::string namespace_of(const httplib::Request& req) {
  std::string ns = req.get_param_value("namespace");
  return ns.empty() ? "default" : ns;
}

// The conflict body of an acquire or a release: the variable's name only (its items and its
// holder's lock ID are not the caller's to see).
json zero_value(const std::string& ns, const std::string& path, bool empty_lock) {
  NomadVariable v;
  v.namespace_ = ns;
  v.path = path;
  if (empty_lock) v.lock = NomadVariableLock{};
  return nomad_json::variable(v);
}

}  // namespace

void NomadMockServer::variable_routes() {
  httplib::Server& s = http();
  s.Get("/v1/vars", [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = namespace_of(req), prefix = req.get_param_value("prefix");
    auto [vars, index] = on_loop([&] {
      return std::pair{variables_.list(ns, prefix, wall_now()), variables_.index()};
    });
    json out = json::array();
    for (const auto& v : vars) out.push_back(nomad_json::variable(v, false));
    reply(res, out, index, true);
  });
  s.Get(R"(/v1/var/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = namespace_of(req), path = req.matches[1];
    auto [found, index] = on_loop([&] {
      return std::pair{variables_.get(ns, path, wall_now()), variables_.index()};
    });
    if (!found) return text_error(res, 404, "variable not found");
    reply(res, nomad_json::variable(*found), index, true);
  });
  auto write = [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = namespace_of(req), path = req.matches[1];
    int ops =
        req.has_param("lock-acquire") + req.has_param("lock-renew") + req.has_param("lock-release");
    if (ops > 1) return text_error(res, 400, "multiple lock operations");
    if (ops == 1 && req.has_param("cas")) {
      return text_error(res, 400, "CAS can't be used with lock operations");
    }
    json body;
    if (!body_json(req, res, body)) return;
    auto given = nomad_json::read_variable(body);
    if (!given) return text_error(res, 400, "Request decode failed: " + given.error().message);
    NomadVariableLock lock = given->lock.value_or(NomadVariableLock{});
    if (req.has_param("lock-release")) {
      if (lock.id.empty()) return text_error(res, 400, "missing lock information");
      if (!given->items.empty()) {
        return text_error(res, 400, "lock release operation doesn't take variable items");
      }
    }
    std::optional<std::uint64_t> cas;
    if (req.has_param("cas")) {
      try {
        cas = std::stoull(req.get_param_value("cas"));
      } catch (const std::exception&) {
        return text_error(res, 400, "failed to parse cas value");
      }
    }
    std::optional<NomadVariable> conflict;
    auto [result, index] = on_loop([&] {
      Time now = wall_now();
      Result<NomadVariable> r =
          req.has_param("lock-acquire")
              ? variables_.acquire(ns, path, lock, given->items, now, &conflict)
          : req.has_param("lock-renew") ? variables_.renew(ns, path, lock.id, now)
          : req.has_param("lock-release")
              ? variables_.release(ns, path, lock.id, now, &conflict)
              : variables_.set(ns, path, given->items, cas, now, &conflict);
      return std::pair{r, variables_.index()};
    });
    if (result) {
      // A renewal answers the metadata; the others the variable.
      return reply(res, nomad_json::variable(*result, !req.has_param("lock-renew")), index, false);
    }
    const Error& e = result.error();
    if (!conflict && !(e.kind == ErrorKind::kConflict && req.has_param("cas"))) {
      return text_error(res, status_of(e.kind), e.message);
    }
    // Nomad's 409s with a body: another's lock (its name only: the items and the holder's
    // ID are not the caller's to see; a release's with an empty Lock), or a failed
    // check-and-set (the variable as it is).
    if (req.has_param("lock-acquire") || req.has_param("lock-release")) {
      reply(res, zero_value(ns, path, req.has_param("lock-release")), index, false);
    } else {
      reply(res, conflict ? nomad_json::variable(*conflict) : zero_value(ns, path, false), index,
            false);
    }
    res.status = 409;
  };
  s.Put(R"(/v1/var/(.+))", write);
  s.Post(R"(/v1/var/(.+))", write);
  s.Delete(R"(/v1/var/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    std::string ns = namespace_of(req), path = req.matches[1];
    auto [result, index] = on_loop([&] {
      return std::pair{variables_.remove(ns, path, wall_now()), variables_.index()};
    });
    if (!result) return text_error(res, status_of(result.error().kind), result.error().message);
    res.set_header("X-Nomad-Index", std::to_string(index));
    res.status = 200;
  });
}

}  // namespace ha
