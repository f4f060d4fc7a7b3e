// The normalized HCL-JSON form of policies (declared in policy_parser.h).
#include "base/duration.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

using nlohmann::json;

const char* on_error_name(OnError e) {
  return e == OnError::kFail ? "fail" : "ignore";
}

json check_json(const CheckSpec& c) {
  json j;
  if (!c.group.empty()) j["group"] = c.group;
  if (!c.source.empty()) j["source"] = c.source;
  if (!c.query.empty()) j["query"] = c.query;
  j["query_window"] = c.query_instant ? "instant" : format_duration(c.query_window);
  j["query_window_offset"] = format_duration(c.query_window_offset);
  j["on_error"] = on_error_name(c.on_error);
  j["strategy"][c.strategy.name] = c.strategy.config;
  return j;
}

}  // namespace

json to_hcl_json(const std::vector<Policy>& policies) {
  json scaling = json::object();
  for (const Policy& p : policies) {
    json doc;
    doc["cooldown"] = format_duration(p.cooldown);
    doc["cooldown_on_scale_up"] = format_duration(p.cooldown_on_scale_up);
    doc["evaluation_interval"] = format_duration(p.evaluation_interval);
    doc["on_check_error"] = on_error_name(p.on_check_error);
    doc["check"] = json::object();
    for (const CheckSpec& c : p.checks) doc["check"][c.name] = check_json(c);
    doc["target"][p.target.name] = p.target.config;
    scaling[p.id] = {
        {"enabled", p.enabled}, {"type", p.type}, {"min", p.min}, {"max", p.max}, {"policy", doc}};
  }
  return json{{"scaling", scaling}};
}

}  // namespace ha
