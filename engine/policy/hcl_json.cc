#include "engine/policy/hcl_json.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "engine/policy/plugin_catalog.h"

namespace ha::hcl_json {

using nlohmann::json;

std::string child(const std::string& pointer, const std::string& token) {
  return pointer_child(pointer, token);
}

namespace {

// The 1-based line and column (in bytes) of `byte` in `text`.
std::pair<int, int> line_col(std::string_view text, std::size_t byte) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

std::optional<json> parse_document(std::string_view text, const std::string& file,
                                   Diagnostics& diags) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's text repeats the position after a "[json.exception...]" prefix; keep
    // only its reason.
    std::string what = e.what();
    auto pos = what.find("column ");
    pos = pos == std::string::npos ? std::string::npos : what.find(": ", pos);
    Diagnostic d{file, "",
                 "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2))};
    std::tie(d.line, d.column) = line_col(text, e.byte == 0 ? 0 : e.byte - 1);
    diags.push_back(std::move(d));
    return std::nullopt;
  } catch (const json::exception& e) {
    // Not a syntax error: a number too large for any type (found by fuzzing).
    std::string what = e.what();
    auto bracket = what.find("] ");
    diags.push_back(
        {file, "",
         "invalid JSON: " + (bracket == std::string::npos ? what : what.substr(bracket + 2))});
    return std::nullopt;
  }
}

std::vector<Block> Reader::labelled_blocks(const json& value, const std::string& pointer) {
  std::vector<Block> blocks;
  auto from_object = [&](const json& obj, const std::string& at) {
    for (const auto& [label, body] : obj.items()) {
      std::string here = child(at, label);
      if (body.is_object()) {
        blocks.push_back({label, &body, here});
      } else if (body.is_array()) {
        for (std::size_t i = 0; i < body.size(); ++i) {
          if (body[i].is_object()) {
            blocks.push_back({label, &body[i], child(here, std::to_string(i))});
          } else {
            error(child(here, std::to_string(i)), "expected a block body (a JSON object)");
          }
        }
      } else {
        error(here, "expected a block body (a JSON object)");
      }
    }
  };
  if (value.is_object()) {
    from_object(value, pointer);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i].is_object()) {
        from_object(value[i], child(pointer, std::to_string(i)));
      } else {
        error(child(pointer, std::to_string(i)), "expected an object of labelled blocks");
      }
    }
  } else {
    error(pointer, "expected an object of labelled blocks");
  }
  return blocks;
}

const json* Reader::single_block(const json& value, const std::string& pointer) {
  if (value.is_object()) return &value;
  if (value.is_array() && value.size() == 1 && value[0].is_object()) return &value[0];
  if (value.is_array() && value.size() > 1) {
    error(pointer, "only one block of this type is allowed");
  } else {
    error(pointer, "expected a block body (a JSON object)");
  }
  return nullptr;
}

void Reader::reject_unknown_keys(const json& body, const std::string& pointer,
                                 const std::vector<std::string>& known) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      error(child(pointer, key), "unknown key (a typo?); known keys: " + join_names(known));
    }
  }
}

std::map<std::string, std::string> Reader::string_map(const json& body,
                                                      const std::string& pointer) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : body.items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_boolean()) {
      out[key] = value.get<bool>() ? "true" : "false";
    } else if (value.is_number_integer()) {
      out[key] = value.dump();
    } else if (value.is_number_float()) {
      // Shortest form that reads back to the same double ("0.5", "80").
      double d = value.get<double>();
      // (range first: converting a larger double is undefined, found by fuzzing)
      out[key] = std::abs(d) < 1e15 && d == static_cast<double>(static_cast<long long>(d))
                     ? std::to_string(static_cast<long long>(d))
                     : value.dump();
    } else {
      error(child(pointer, key), "expected a string, number or boolean");
    }
  }
  return out;
}

}  // namespace ha::hcl_json
