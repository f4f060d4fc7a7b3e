// The Nomad reference payloads (third_party/nomad/examples/, real API answers) that tests
// compare the mock's and the readers' JSON with.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace ha::testing {

inline nlohmann::json nomad_reference(const std::string& name) {
  std::ifstream f(std::string(HA_SOURCE_DIR) + "/third_party/nomad/examples/" + name);
  return nlohmann::json::parse(f);
}

}  // namespace ha::testing
