// Walking into parsed JSON by a path of object keys, for the readers of the wire formats.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>

namespace ha {

// The value at `path` under `j`; null when a step is missing or not an object.
inline const nlohmann::json* json_at(const nlohmann::json& j,
                                     std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

}  // namespace ha
