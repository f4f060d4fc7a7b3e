// The mock Nomad's answers (nomad_mock_*.cc only): Nomad's plain-text errors and JSON
// replies with its index headers.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace ha::nomad_mock {

inline void text_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(message, "text/plain; charset=utf-8");
}

inline void reply(httplib::Response& res, const nlohmann::json& body, std::uint64_t index,
                  bool read) {
  res.status = 200;
  res.set_header("X-Nomad-Index", std::to_string(index));
  if (read) {
    res.set_header("X-Nomad-KnownLeader", "true");
    res.set_header("X-Nomad-LastContact", "0");
  }
  res.set_content(body.dump(), "application/json");
}

// Parses a write's body; false (after answering 400) when it is empty or not JSON.
inline bool body_json(const httplib::Request& req, httplib::Response& res, nlohmann::json& out) {
  if (req.body.empty()) {
    text_error(res, 400, "Request body is empty");
    return false;
  }
  try {
    out = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number out of range
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

}  // namespace ha::nomad_mock
