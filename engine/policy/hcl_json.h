// Reading blocks in HCL's JSON syntax (https://github.com/hashicorp/hcl/blob/main/json/spec.md):
// a labelled block `check "cpu" { ... }` is {"check": {"cpu": {...}}}; several blocks of one
// type may also be written as an array of such objects, or a label may map to an array of
// bodies. Every problem is recorded as a Diagnostic with its JSON pointer.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
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

  // Typed reads of the attribute `key` of the object `obj` found at `pointer`, shared by the
  // policy, scenario and fault readers (field_readers.cc). Each gives nullopt when the key
  // is absent (reported as a missing key at `pointer` when `required`) or holds a wrong
  // value (reported at the key's own pointer, saying what was expected).
  bool present(const nlohmann::json& obj, const std::string& pointer, const char* key,
               bool required);
  // A non-empty string.
  std::optional<std::string> text(const nlohmann::json& obj, const std::string& pointer,
                                  const char* key, bool required);
  // true or false.
  std::optional<bool> boolean(const nlohmann::json& obj, const std::string& pointer,
                              const char* key, bool required);
  // A whole number >= min (an integral float such as 2.0 counts), below 2^63.
  std::optional<std::int64_t> whole_number(const nlohmann::json& obj, const std::string& pointer,
                                           const char* key, bool required, std::int64_t min = 0);
  struct DurationRules {
    bool allow_days = false;  // "7d": scenarios yes, policies (Go durations) no
    bool positive = false;    // zero is refused
  };
  // A duration string ("90s", "1h30m").
  std::optional<Duration> duration(const nlohmann::json& obj, const std::string& pointer,
                                   const char* key, bool required, DurationRules rules);

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  Diagnostics& diags_;
};

std::string child(const std::string& pointer, const std::string& token);

// Parses JSON text; on a syntax error appends a Diagnostic with its line and column.
std::optional<nlohmann::json> parse_document(std::string_view text, const std::string& file,
                                             Diagnostics& diags);

}  // namespace ha::hcl_json
