#include "engine/policy/job_scaling.h"

#include "engine/policy/hcl_json.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

using nlohmann::json;

// One group's scaling block, found in a job file.
struct GroupScaling {
  std::string job, group, namespace_;
  const json* block = nullptr;  // the scaling block's body
  std::string pointer;          // where the block is in the file
  std::optional<std::int64_t> count;
  bool api = false;  // Nomad's API shape: Min, Max, Enabled, Policy
};

// The file's keys for a synthesized policy's min, max, enabled and policy.
const char* file_key(std::string_view key, bool api) {
  if (!api) {
    for (const char* k : {"min", "max", "enabled"}) {
      if (key == k) return k;
    }
    return "policy";
  }
  if (key == "min") return "Min";
  if (key == "max") return "Max";
  if (key == "enabled") return "Enabled";
  return "Policy";
}

std::optional<std::int64_t> whole(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

void jobspec_groups(const json& doc, hcl_json::Reader& r, std::vector<GroupScaling>& out) {
  for (const auto& job : r.labelled_blocks(doc["job"], "/job")) {
    const json& body = *job.body;
    std::string ns = body.contains("namespace") && body["namespace"].is_string()
                         ? body["namespace"].get<std::string>()
                         : "default";
    if (!body.contains("group")) continue;
    for (const auto& group :
         r.labelled_blocks(body["group"], hcl_json::child(job.pointer, "group"))) {
      const json& g = *group.body;
      if (!g.contains("scaling")) continue;
      std::string at = hcl_json::child(group.pointer, "scaling");
      const json* block = r.single_block(g["scaling"], at);
      if (block == nullptr) continue;
      GroupScaling s{job.label, group.label, ns, block, at, std::nullopt, false};
      if (g.contains("count")) s.count = whole(g["count"]);
      out.push_back(std::move(s));
    }
  }
}

void api_groups(const json& doc, hcl_json::Reader& r, std::vector<GroupScaling>& out) {
  const json& job = doc["Job"];
  if (!job.is_object()) {
    r.error("/Job", "expected an object (a job as Nomad's API gives it)");
    return;
  }
  std::string id = job.contains("ID") && job["ID"].is_string() ? job["ID"].get<std::string>()
                                                               : job.value("Name", "");
  std::string ns = job.contains("Namespace") && job["Namespace"].is_string()
                       ? job["Namespace"].get<std::string>()
                       : "default";
  if (!job.contains("TaskGroups") || !job["TaskGroups"].is_array()) return;
  const json& groups = job["TaskGroups"];
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const json& g = groups[i];
    std::string at = "/Job/TaskGroups/" + std::to_string(i);
    if (!g.is_object() || !g.contains("Scaling") || g["Scaling"].is_null()) continue;
    if (!g["Scaling"].is_object()) {
      r.error(at + "/Scaling", "expected an object");
      continue;
    }
    std::string name = g.contains("Name") && g["Name"].is_string() ? g["Name"].get<std::string>()
                                                                   : std::to_string(i);
    GroupScaling s{id, name, ns, &g["Scaling"], at + "/Scaling", std::nullopt, true};
    if (g.contains("Count")) s.count = whole(g["Count"]);
    out.push_back(std::move(s));
  }
}

// The policy Nomad would hold for `s`, in the shape of a policy file.
json policy_document(const GroupScaling& s, const std::string& id, hcl_json::Reader& r) {
  const json& b = *s.block;
  json body = json::object();
  if (s.api) {
    if (b.contains("Policy") && b["Policy"].is_object()) body = b["Policy"];
  } else {
    r.reject_unknown_keys(b, s.pointer, {"enabled", "min", "max", "policy"});
    if (b.contains("policy")) {
      if (const json* p = r.single_block(b["policy"], hcl_json::child(s.pointer, "policy"))) {
        body = *p;
      }
    }
  }
  if (body.contains("target")) {
    r.error(hcl_json::child(s.pointer, file_key("policy", s.api)),
            "a task group's policy has no target block: Nomad sets it to the job and group");
  }
  body["target"] = {
      {"nomad-target", {{"Job", s.job}, {"Group", s.group}, {"Namespace", s.namespace_}}}};
  json policy = {{"type", "horizontal"}, {"policy", std::move(body)}, {"enabled", true}};
  for (const char* key : {"min", "max", "enabled"}) {
    const char* k = file_key(key, s.api);
    if (b.contains(k) && !b[k].is_null()) policy[key] = b[k];
  }
  if (!policy.contains("min")) policy["min"] = s.count.value_or(1);
  return {{"scaling", {{id, std::move(policy)}}}};
}

// A place in the made-up policy document as the place in the job file.
std::string in_file(const std::string& pointer, const std::string& prefix, const GroupScaling& s) {
  std::string rest = pointer.size() > prefix.size() ? pointer.substr(prefix.size()) : "";
  for (const char* key : {"min", "max", "enabled"}) {
    std::string k = std::string("/") + key;
    if (rest == k && s.block->contains(file_key(key, s.api))) {
      return s.pointer + "/" + file_key(key, s.api);
    }
  }
  std::string policy = s.pointer + "/" + file_key("policy", s.api);
  bool written = s.block->contains(file_key("policy", s.api));
  if (rest.rfind("/policy/target", 0) == 0 || (rest.rfind("/policy", 0) == 0 && !written)) {
    return written ? policy : s.pointer;
  }
  if (rest.rfind("/policy", 0) == 0) return policy + rest.substr(7);
  return s.pointer;
}

}  // namespace

bool is_job_file(const json& doc) {
  return doc.is_object() && (doc.contains("job") || doc.contains("Job"));
}

std::vector<Policy> read_job_scaling(const ConfigFile& doc, const std::string& file,
                                     Diagnostics& diags, const PolicyDefaults& defaults) {
  std::size_t from = diags.size();
  hcl_json::Reader r(file, diags);
  std::vector<GroupScaling> groups;
  const json& value = doc.value();
  if (value.contains("job")) {
    jobspec_groups(value, r, groups);
  } else {
    api_groups(value, r, groups);
  }
  if (groups.empty() && diags.size() == from) {
    r.error("", "no task group of this job has a scaling block");
  }
  std::vector<Policy> out;
  for (const GroupScaling& s : groups) {
    std::string id = s.job + "/" + s.group;
    std::size_t first = diags.size();
    json made = policy_document(s, id, r);
    auto policies = read_policy_document(made, file, diags, defaults);
    std::string prefix = "/scaling/" + pointer_token(id);
    for (std::size_t i = first; i < diags.size(); ++i) {
      Diagnostic& d = diags[i];
      if (d.where.rfind(prefix, 0) == 0) d.where = in_file(d.where, prefix, s);
      if (s.api) d.reason = "job " + s.job + ", group " + s.group + ": " + d.reason;
    }
    out.insert(out.end(), policies.begin(), policies.end());
  }
  doc.locate(diags, from);
  return out;
}

}  // namespace ha
