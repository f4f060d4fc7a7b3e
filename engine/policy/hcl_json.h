// Reading blocks in HCL's JSON syntax (https://github.com/hashicorp/hcl/blob/main/json/spec.md):
// a labelled block `check "cpu" { ... }` is {"check": {"cpu": {...}}}; several blocks of one
// type may also be written as an array of such objects, or a label may map to an array of
// bodies. Every problem is recorded as a Diagnostic with its JSON pointer.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/policy/diagnostic.h"

namespace ha::hcl_json {

struct Block {
  std::string label;
  const nlohmann::json* body;
  std::string pointer;
};

class Reader {
 public:
  Reader(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  void error(const std::string& pointer, std::string reason, bool unknown_name = false) {
    diags_.push_back({file_, pointer, std::move(reason), unknown_name});
  }

  // Blocks with one label, found at `pointer` in `value`.
  std::vector<Block> labelled_blocks(const nlohmann::json& value, const std::string& pointer);
  // A block without labels: an object, or an array holding exactly one object.
  const nlohmann::json* single_block(const nlohmann::json& value, const std::string& pointer);
  // Reports every key of `body` not in `known`.
  void reject_unknown_keys(const nlohmann::json& body, const std::string& pointer,
                           const std::vector<std::string>& known);
  // Attribute values of a plugin block (strategy, target): strings, numbers and booleans,
  // each converted to its string form as HCL does for map(string).
  std::map<std::string, std::string> string_map(const nlohmann::json& body,
                                                const std::string& pointer);

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  Diagnostics& diags_;
};

std::string child(const std::string& pointer, const std::string& token);

// Parses JSON text; on a syntax error appends a Diagnostic located at LINE:COL.
std::optional<nlohmann::json> parse_document(std::string_view text, const std::string& file,
                                             Diagnostics& diags);

}  // namespace ha::hcl_json
