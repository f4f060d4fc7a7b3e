// What both API clients (Nomad, Harvester) do with a request path and an answer: escape
// path parts, map a status to an error kind, read a 2xx body as JSON, and send a JSON call
// whose errors name the request ("GET /v1/nodes: ...") and never a header.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/api/async.h"
#include "backends/http/http_transport.h"
#include "base/result.h"

namespace ha {

std::string url_escape(const std::string& s);

// 404 kNotFound, 409 kConflict, 410 kGone, 429 and 5xx kUnavailable, any other 4xx kInvalid.
ErrorKind error_kind_for_status(long status);

// The body of a 2xx answer as JSON. An error (kInvalid) names `where` when the content type
// is present and not JSON, or the body is not JSON (a truncated body included). An empty
// body gives null.
Result<nlohmann::json> json_response(const HttpResponse& res, const std::string& where);

// The JSON body of a transport's answer to `where`, or an error naming it: the transport's
// own error; a status outside 2xx, with its error kind and the server's message (a
// Kubernetes Status's `message`, else the body's first 300 bytes); a body that is not JSON.
Result<nlohmann::json> json_answer(Result<HttpResponse> res, const std::string& where);

// Sends `request` and completes `done` with parse(the JSON body) (a Result<T>); a body that
// `parse` refuses is a kInvalid error "METHOD PATH: unexpected response: ...".
template <typename T, typename Parse>
void send_json_call(HttpTransport& transport, HttpRequest request, Done<T> done, Parse parse) {
  std::string where = request.method + " " + request.path;
  transport.send(std::move(request), [done = std::move(done), parse = std::move(parse),
                                      where = std::move(where)](Result<HttpResponse> res) {
    auto j = json_answer(std::move(res), where);
    if (!j) return done(j.error());
    Result<T> parsed = parse(*j);
    if (!parsed) {
      return done(make_error(where + ": unexpected response: " + parsed.error().message,
                             ErrorKind::kInvalid));
    }
    done(std::move(parsed));
  });
}

}  // namespace ha
