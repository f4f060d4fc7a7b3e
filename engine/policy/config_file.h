// A configuration file (policy, agent config, job) as a document in the shape of HCL's JSON
// syntax, read from either of HCL's two syntaxes: the native one (.hcl, .nomad) or JSON
// (.json). A file with another extension is JSON when its first character that is not blank
// is `{`, else HCL. The readers of policies, agent configs and jobs work on the document
// alone, so both syntaxes mean the same and fail with the same reasons.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/hcl/hcl.h"
#include "engine/policy/diagnostic.h"

namespace ha {

enum class Syntax { kJson, kHcl };

Syntax syntax_of(const std::string& file, std::string_view text);

class ConfigFile {
 public:
  // Reads `text` in `file`'s syntax. Syntax errors go to `diags` as FILE:LINE:COL: reason,
  // every one found, and then there is no document.
  static std::optional<ConfigFile> read(std::string_view text, const std::string& file,
                                        Diagnostics& diags);

  const nlohmann::json& value() const { return hcl_ ? hcl_->value : json_; }
  // For edits before reading (simulate's --set); places already found stay where they were.
  nlohmann::json& mutable_value() { return hcl_ ? hcl_->value : json_; }
  Syntax syntax() const { return hcl_ ? Syntax::kHcl : Syntax::kJson; }

  // For an HCL file, rewrites diags[from...] (located by JSON pointers into value()) as HCL
  // names the place: FILE:LINE:COL: scaling.web.policy.check.cpu: reason. A JSON file's
  // diagnostics keep their JSON pointers.
  void locate(Diagnostics& diags, std::size_t from) const;

 private:
  nlohmann::json json_;
  std::optional<hcl::Document> hcl_;  // read without positions: most files have no problem
  std::string hcl_text_;              // to find the places of problems, when there are
  mutable std::optional<hcl::Document> located_;
};

}  // namespace ha
