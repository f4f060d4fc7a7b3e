#include "engine/policy/nomad_policy.h"

#include "engine/policy/policy_parser.h"

namespace ha {

Result<Policy> policy_from_nomad(const NomadScalingPolicy& p, const PolicyDefaults& defaults) {
  using nlohmann::json;
  json body = p.policy.is_object() ? p.policy : json::object();
  body["target"] = {
      {"nomad-target", {{"Job", p.job}, {"Group", p.group}, {"Namespace", p.namespace_}}}};
  json doc = {{"scaling",
               {{p.id,
                 {{"enabled", p.enabled},
                  {"type", "horizontal"},
                  {"min", p.min},
                  {"max", p.max},
                  {"policy", body}}}}}};
  std::string where = "nomad scaling policy " + p.id;
  if (p.type != "horizontal") {
    return make_error(where + ": type \"" + p.type + "\" is not supported (horizontal)",
                      ErrorKind::kInvalid);
  }
  Diagnostics diags;
  std::vector<Policy> parsed = read_policy_document(doc, where, diags, defaults);
  if (!diags.empty()) {
    std::string message;
    for (const auto& d : diags) message += (message.empty() ? "" : "; ") + d.to_string();
    return make_error(message, ErrorKind::kInvalid);
  }
  if (parsed.size() != 1) return make_error(where + ": no policy read", ErrorKind::kInvalid);
  return parsed.front();
}

}  // namespace ha
