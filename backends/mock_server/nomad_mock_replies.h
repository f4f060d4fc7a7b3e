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

}  // namespace ha::nomad_mock
