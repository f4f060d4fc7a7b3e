// Preflight's Nomad checks (see preflight.h): GETs only. What the ACL token may do is read
// from its policies (GET /v1/acl/token/self, then each policy's rules, which a client token
// may read for its own policies), with Nomad's expansion of namespace policies
// (hashicorp/nomad acl/policy.go expandNamespacePolicy: read, write, scale).
#include <algorithm>

#include "agent/preflight_context.h"
#include "backends/api/vm_labels.h"
#include "engine/harvester/group_config.h"
#include "engine/hcl/hcl.h"

namespace ha {
namespace {

using nlohmann::json;

// Nomad's glob: '*' matches any run of characters.
bool glob(const std::string& pattern, const std::string& text) {
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// The bodies of a block type: {"label": body} or [{"label": body}, ...] (a repeated block).
std::vector<std::pair<std::string, const json*>> labelled(const json& blocks) {
  std::vector<std::pair<std::string, const json*>> out;
  auto add = [&out](const json& obj) {
    if (!obj.is_object()) return;
    for (const auto& [label, body] : obj.items()) out.emplace_back(label, &body);
  };
  if (blocks.is_array()) {
    for (const json& b : blocks) add(b);
  } else {
    add(blocks);
  }
  return out;
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.is_object() && j.contains(key) && j[key].is_array()) {
    for (const json& v : j[key]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

bool has(const std::vector<std::string>& v, const char* s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Result<void> add_nomad_grants(const std::string& rules, const std::string& ns,
                              const std::string& lock_path, NomadGrants& g) {
  auto parsed = hcl::parse(rules, false);
  if (!parsed.document) {
    const auto& e = parsed.errors.front();
    return make_error("line " + std::to_string(e.at.line) + ": " + e.reason, ErrorKind::kInvalid);
  }
  const json& doc = parsed.document->value;
  if (doc.contains("node")) {
    for (const json& body : doc["node"].is_array() ? doc["node"] : json::array({doc["node"]})) {
      std::string p = body.value("policy", "");
      g.node_read = g.node_read || p == "read" || p == "write";
      g.node_write = g.node_write || p == "write";
    }
  }
  if (doc.contains("namespace")) {
    for (const auto& [name, body] : labelled(doc["namespace"])) {
      if (!glob(name, ns) || !body->is_object()) continue;
      // The policy's capabilities as Nomad expands them, and the ones listed.
      std::string p = body->value("policy", "");
      std::vector<std::string> caps = strings(*body, "capabilities");
      if (p == "read" || p == "write") caps.insert(caps.end(), {"list-jobs", "read-job"});
      if (p == "write" || p == "scale") caps.insert(caps.end(), {"read-job", "scale-job"});
      g.job_read = g.job_read || (has(caps, "read-job") && has(caps, "list-jobs"));
      g.job_scale = g.job_scale || has(caps, "scale-job");
      if (body->contains("variables") && (*body)["variables"].contains("path")) {
        for (const auto& [path, vars] : labelled((*body)["variables"]["path"])) {
          if (glob(path, lock_path) && has(strings(*vars, "capabilities"), "write")) {
            g.variables_write = true;
          }
        }
      }
    }
  }
  return {};
}

PreflightSection nomad_checks(PreflightContext& ctx, const CompiledPolicies& policies) {
  const AgentConfig& config = ctx.config;
  PreflightSection s{"Nomad " + config.nomad_address, {}};
  auto leader = ctx.wait<json>(
      [&](Done<json> done) { ctx.nomad().get_json("/v1/status/leader", std::move(done)); });
  if (!leader) {
    s.checks.push_back(fail("reachable: " + leader.error().message,
                            "check nomad.address (or NOMAD_ADDR) and its CA (nomad.ca_cert)"));
    return s;
  }
  s.checks.push_back(pass("reachable: leader " +
                          (leader->is_string() ? leader->get<std::string>() : leader->dump())));
  std::string ns = config.nomad_namespace.empty() ? "default" : config.nomad_namespace;
  bool scales_jobs = config.policy_source_nomad;
  for (const auto& p : policies)
    scales_jobs = scales_jobs || p->policy().target.name != "harvester";
  auto self = ctx.wait<json>(
      [&](Done<json> done) { ctx.nomad().get_json("/v1/acl/token/self", std::move(done)); });
  if (!self && self.error().message.find("ACL support disabled") != std::string::npos) {
    s.checks.push_back(pass("ACLs disabled: every call allowed"));
  } else if (!self) {
    s.checks.push_back(fail("ACL token: " + self.error().message,
                            "give a token of this cluster (nomad.token_file or NOMAD_TOKEN)"));
  } else if (self->value("Type", "") == "management") {
    s.checks.push_back(
        pass("ACL token \"" + self->value("Name", "") + "\": management (every capability)"));
  } else {
    NomadGrants g;
    std::string names;
    for (const std::string& policy : strings(*self, "Policies")) {
      names += (names.empty() ? "" : ", ") + policy;
      auto read = ctx.wait<json>([&](Done<json> done) {
        ctx.nomad().get_json("/v1/acl/policy/" + policy, std::move(done));
      });
      if (!read || !read->contains("Rules") || !(*read)["Rules"].is_string()) {
        s.checks.push_back(fail("ACL policy " + policy + " could not be read",
                                "check it by hand: nomad acl policy info " + policy));
        continue;
      }
      if (auto r = add_nomad_grants((*read)["Rules"].get<std::string>(), ns,
                                    config.high_availability.lock_path, g);
          !r) {
        s.checks.push_back(fail("ACL policy " + policy + ": " + r.error().message,
                                "nomad acl policy info " + policy));
      }
    }
    std::string from = " (token policies: " + (names.empty() ? "none" : names) + ")";
    auto grant = [&](bool ok, const std::string& what, const std::string& rule) {
      s.checks.push_back(
          ok ? pass("may " + what + from)
             : fail("may not " + what + from, "add to a policy of the token: " + rule));
    };
    grant(g.node_write, "drain, mark and purge nodes (node write)", "node { policy = \"write\" }");
    grant(g.job_read, "read jobs and allocations in " + ns,
          "namespace \"" + ns + "\" { policy = \"read\" }");
    if (scales_jobs) {
      grant(g.job_scale, "scale task groups in " + ns,
            "namespace \"" + ns + "\" { policy = \"scale\" }");
    }
    if (config.high_availability.enabled) {
      grant(g.variables_write, "hold the lock " + config.high_availability.lock_path,
            "namespace \"" + config.high_availability.lock_namespace + "\" { variables { path \"" +
                config.high_availability.lock_path +
                "\" { capabilities = [\"write\", \"read\"] } } }");
    }
  }
  for (const auto& compiled : policies) {
    if (compiled->policy().target.name != "harvester") continue;
    auto c = parse_group_config(compiled->policy().target.config);
    if (!c) continue;  // reported with the policy's own checks
    auto nodes = ctx.wait<NodeList>([&](Done<NodeList> done) {
      ctx.nomad().list_nodes({c->node_class, "", ""}, std::move(done));
    });
    auto vms = ctx.wait<VmList>([&](Done<VmList> done) {
      ctx.harvester().list_vms(c->namespace_, vm_labels::group_selector(c->node_group),
                               std::move(done));
    });
    if (!nodes || !vms) {
      s.checks.push_back(fail("node group " + c->node_group + ": " +
                                  (!nodes ? nodes.error().message : vms.error().message),
                              "see the checks above"));
      continue;
    }
    std::vector<std::string> unmatched;
    for (const auto& vm : *vms) {
      if (vm->printable_status != "Running") continue;
      bool found = std::any_of(nodes->begin(), nodes->end(),
                               [&](const auto& n) { return n->name == vm->spec.name; });
      if (!found) unmatched.push_back(vm->spec.name);
    }
    std::string what = std::to_string(nodes->size()) + " nodes of class \"" + c->node_class +
                       "\"; node group " + c->node_group + " has " + std::to_string(vms->size()) +
                       " VMs";
    if (unmatched.empty()) {
      s.checks.push_back(pass(what + ", each running one with its node"));
    } else {
      s.checks.push_back(
          fail(what + "; running without a Nomad node of their name: " + unmatched.front() +
                   (unmatched.size() > 1 ? " and " + std::to_string(unmatched.size() - 1) + " more"
                                         : ""),
               "the VMs' Nomad client must use the VM's name as its node name "
               "and node_class \"" +
                   c->node_class + "\" (the target's user_data)"));
    }
  }
  return s;
}

}  // namespace ha
