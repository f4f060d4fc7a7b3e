// A reader for HCL's native syntax (HCL2: the Nomad Autoscaler's policy, agent and job files)
// that produces the document the same content would have in HCL's JSON syntax, so that one
// set of readers (policies, agent config, job scaling blocks) serves both syntaxes:
//
//   scaling "web" { min = 1 }          ->  {"scaling": {"web": {"min": 1}}}
//   check "a" {} check "b" {}          ->  {"check": {"a": {}, "b": {}}}
//   policy {} policy {}                ->  {"policy": [{}, {}]}   (a block type repeated)
//   a "x" "y" {}                       ->  {"a": {"x": {"y": {}}}}
//
// Values are literals only: strings (with HCL's escapes and heredocs), numbers, true, false,
// null, tuples and objects. Template interpolation, function calls, operators and variables
// are errors naming line and column. An attribute set twice in a body is an error.
// Contract: never throws; every problem found is returned (the parser resynchronizes at the
// next line), with the document only when there was none.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ha::hcl {

// 1-based; columns count characters (UTF-8 code points), as HCL's own diagnostics do.
struct Position {
  int line = 1;
  int column = 1;
};

struct SyntaxError {
  Position at;
  std::string reason;
};

struct Document {
  nlohmann::json value = nlohmann::json::object();
  // Where the value at each JSON pointer of `value` starts: an attribute's name, a block's
  // type (for the block and each label level). "" is the document itself.
  std::unordered_map<std::string, Position> positions;

  // The position of `pointer`, or of its nearest ancestor that has one.
  Position position_of(const std::string& pointer) const;
  // `pointer` as HCL names the place: /scaling/web/policy/check/cpu -> scaling.web.policy.
  // check.cpu; an index into a repeated block or a tuple -> policy[1].
  std::string path_of(const std::string& pointer) const;
};

struct ParseResult {
  std::optional<Document> document;  // set when `errors` is empty
  std::vector<SyntaxError> errors;
};

// Where `text` stops being UTF-8 (HCL files are UTF-8 text), or npos.
std::size_t first_invalid_utf8(std::string_view text);
// The line and column of byte `byte` of `text`.
Position position_at(std::string_view text, std::size_t byte);

// `with_positions` false leaves Document::positions empty (faster; for when no problem is
// expected to need a place: ConfigFile parses again with them when one does).
ParseResult parse(std::string_view text, bool with_positions = true);

}  // namespace ha::hcl
