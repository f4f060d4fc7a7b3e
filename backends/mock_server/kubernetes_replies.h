// How the mock Harvester answers errors, as the Kubernetes API server does: a model error
// as a Status (NotFound 404, AlreadyExists or Conflict 409, Invalid 422, InternalError 500)
// whose details name the object (`kind` is the resource's plural, as the server writes it),
// and a request body that is not a JSON object as 400 BadRequest.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "backends/mock_server/server_setup.h"
#include "backends/wire/kubevirt_json.h"
#include "base/result.h"

namespace ha {

inline void model_error(httplib::Response& res, const Error& e, const std::string& name,
                        const std::string& kind = "virtualmachines",
                        const std::string& group = "kubevirt.io") {
  auto status = [&](int code, const char* reason) {
    send_json(res, code, kubevirt_json::status_error(code, reason, e.message, name, kind, group));
  };
  switch (e.kind) {
    case ErrorKind::kNotFound:
      return status(404, "NotFound");
    case ErrorKind::kConflict:
      return status(409, e.message.find("already exists") != std::string::npos ? "AlreadyExists"
                                                                               : "Conflict");
    case ErrorKind::kInvalid:
      return status(422, "Invalid");
    default:
      return status(500, "InternalError");
  }
}

inline bool parse_body(const httplib::Request& req, httplib::Response& res, nlohmann::json& out) {
  out = nlohmann::json::parse(req.body, nullptr, false);
  if (out.is_discarded() || !out.is_object()) {
    send_json(
        res, 400,
        kubevirt_json::status_error(400, "BadRequest", "the request body is not a JSON object"));
    return false;
  }
  return true;
}

}  // namespace ha
