#include "backends/http/http_response.h"

#include <curl/curl.h>

namespace ha {

std::string url_escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

ErrorKind error_kind_for_status(long status) {
  if (status == 404) return ErrorKind::kNotFound;
  if (status == 409) return ErrorKind::kConflict;
  if (status == 410) return ErrorKind::kGone;  // a resourceVersion the server no longer holds
  if (status == 429 || status >= 500) return ErrorKind::kUnavailable;
  if (status >= 400) return ErrorKind::kInvalid;
  return ErrorKind::kOther;
}

Result<nlohmann::json> json_response(const HttpResponse& res, const std::string& where) {
  if (res.body.empty()) return nlohmann::json();
  auto type = res.headers.find("content-type");
  if (type != res.headers.end() && type->second.find("json") == std::string::npos) {
    return make_error(where + ": " + std::to_string(res.status) + " with content type \"" +
                          type->second + "\", not JSON",
                      ErrorKind::kInvalid);
  }
  try {
    return nlohmann::json::parse(res.body);
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
    return make_error(where + ": response is not JSON (" + std::to_string(res.body.size()) +
                          " bytes): " + e.what(),
                      ErrorKind::kInvalid);
  }
}

Result<nlohmann::json> json_answer(Result<HttpResponse> res, const std::string& where) {
  if (!res) return res.error();
  if (res->status < 200 || res->status >= 300) {
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    std::string message = j.is_object() && j.contains("message") && j["message"].is_string()
                              ? j["message"].get<std::string>()
                              : res->body.substr(0, 300);
    return make_error(
        where + ": " + std::to_string(res->status) + (message.empty() ? "" : " " + message),
        error_kind_for_status(res->status));
  }
  return json_response(*res, where);
}

}  // namespace ha
