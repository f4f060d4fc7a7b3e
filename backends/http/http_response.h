// What both HTTP clients (Nomad, Harvester) do with a request path and an answer: escape
// path parts, map a status to an error kind, and read a 2xx body as JSON, with errors that
// name the request ("GET /v1/nodes: ...") and never a header.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backends/http/http_transport.h"
#include "engine/result.h"

namespace ha {

std::string url_escape(const std::string& s);

// 404 kNotFound, 409 kConflict, 429 and 5xx kUnavailable, any other 4xx kInvalid.
ErrorKind error_kind_for_status(long status);

// The body of a 2xx answer as JSON. An error (kInvalid) names `where` when the content type
// is present and not JSON, or the body is not JSON (a truncated body included). An empty
// body gives null.
Result<nlohmann::json> json_response(const HttpResponse& res, const std::string& where);

}  // namespace ha
