#include "backends/http/nomad_lock_http_api.h"

#include "backends/http/http_response.h"
#include "backends/wire/nomad_variable_json.h"

namespace ha {

NomadLockHttpApi::NomadLockHttpApi(HttpTransport& transport, Options options)
    : transport_(transport), options_(std::move(options)) {
  while (!options_.address.empty() && options_.address.back() == '/') options_.address.pop_back();
}

HttpRequest NomadLockHttpApi::request(const std::string& ns, const std::string& path,
                                      const char* operation, const std::string& body) const {
  // The path's slashes stay: a variable path is a path ("nomad-autoscaler/lock").
  std::string escaped;
  std::size_t from = 0;
  while (from <= path.size()) {
    std::size_t slash = path.find('/', from);
    if (slash == std::string::npos) slash = path.size();
    escaped += (from > 0 ? "/" : "") + url_escape(path.substr(from, slash - from));
    from = slash + 1;
  }
  HttpRequest r;
  r.method = "PUT";
  r.path = "/v1/var/" + escaped;
  std::string query = std::string(operation) + "&namespace=" + url_escape(ns);
  if (!options_.region.empty()) query += "&region=" + url_escape(options_.region);
  r.url = options_.address + r.path + "?" + query;
  if (!options_.token.empty()) r.headers["X-Nomad-Token"] = options_.token;
  r.headers["Content-Type"] = "application/json";
  r.body = body;
  return r;
}

void NomadLockHttpApi::acquire_lock(const std::string& ns, const std::string& path,
                                    const NomadVariableLock& want, Done<NomadVariable> done) {
  send_json_call(transport_,
                 request(ns, path, "lock-acquire", nomad_json::lock_request(ns, path, want).dump()),
                 std::move(done), [](const nlohmann::json& j) -> Result<NomadVariable> {
                   auto v = nomad_json::read_variable(j);
                   if (v && (!v->lock || v->lock->id.empty()))
                     return make_error("no Lock.ID in the answer");
                   return v;
                 });
}

void NomadLockHttpApi::renew_lock(const std::string& ns, const std::string& path,
                                  const std::string& lock_id, Done<Unit> done) {
  by_lock_id(ns, path, "lock-renew", lock_id, std::move(done));
}

void NomadLockHttpApi::release_lock(const std::string& ns, const std::string& path,
                                    const std::string& lock_id, Done<Unit> done) {
  by_lock_id(ns, path, "lock-release", lock_id, std::move(done));
}

void NomadLockHttpApi::by_lock_id(const std::string& ns, const std::string& path,
                                  const char* operation, const std::string& lock_id,
                                  Done<Unit> done) {
  send_json_call(
      transport_,
      request(ns, path, operation, nomad_json::lock_id_request(ns, path, lock_id).dump()),
      std::move(done), [](const nlohmann::json&) -> Result<Unit> { return Unit{}; });
}

}  // namespace ha
