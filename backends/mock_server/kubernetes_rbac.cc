#include "backends/mock_server/kubernetes_rbac.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "backends/runtime/text_file.h"

namespace ha {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence()) {
    for (const auto& item : n) out.push_back(item.as<std::string>());
  }
  return out;
}

}  // namespace

RequestAttributes request_attributes(const std::string& method, const std::string& path,
                                     bool watch) {
  RequestAttributes a;
  std::vector<std::string> parts = split_path(path);
  std::size_t rest = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    rest = 2;  // api/v1
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    a.group = parts[1];
    rest = 3;  // apis/GROUP/VERSION
  } else {
    return a;  // /version, /api, /apis/GROUP, /openapi/...: not a resource
  }
  if (parts.size() <= rest) return a;  // a group version's discovery document
  a.resource_request = true;
  std::vector<std::string> r(parts.begin() + static_cast<long>(rest), parts.end());
  if (r[0] == "namespaces" && r.size() >= 3) {
    a.namespace_ = r[1];
    r.erase(r.begin(), r.begin() + 2);
  }
  a.resource = r[0];
  if (r.size() >= 2) a.name = r[1];
  if (r.size() >= 3) a.subresource = r[2];
  if (a.resource == "namespaces" && !a.name.empty()) a.namespace_ = a.name;
  if (method == "POST") {
    a.verb = "create";
  } else if (method == "PUT") {
    a.verb = "update";
  } else if (method == "PATCH") {
    a.verb = "patch";
  } else if (method == "DELETE") {
    a.verb = a.name.empty() ? "deletecollection" : "delete";
  } else {
    a.verb = !a.name.empty() ? "get" : watch ? "watch" : "list";
  }
  return a;
}

Result<RbacPolicy> RbacPolicy::load(const std::string& path) {
  auto content = read_text_file(path);
  if (!content) return content.error();
  std::vector<RbacRule> rules;
  std::string user;
  try {
    std::size_t index = 0;
    for (const YAML::Node& doc : YAML::LoadAll(*content)) {
      ++index;
      if (!doc || !doc.IsMap()) continue;
      std::string kind = doc["kind"] ? doc["kind"].as<std::string>() : "";
      if (kind == "Role" || kind == "ClusterRole") {
        std::string ns;
        if (kind == "Role") {
          const YAML::Node meta = doc["metadata"];
          ns = meta && meta["namespace"] ? meta["namespace"].as<std::string>() : "default";
        }
        for (const auto& r : doc["rules"]) {
          RbacRule rule{strings(r["verbs"]), strings(r["apiGroups"]), strings(r["resources"]),
                        strings(r["resourceNames"]), ns};
          if (rule.verbs.empty()) {
            return make_error(path + ": document " + std::to_string(index) + " (" + kind +
                                  "): a rule without verbs",
                              ErrorKind::kInvalid);
          }
          rules.push_back(std::move(rule));
        }
      } else if ((kind == "RoleBinding" || kind == "ClusterRoleBinding") && user.empty()) {
        const YAML::Node subject = doc["subjects"][0];
        if (subject && subject["kind"] && subject["kind"].as<std::string>() == "ServiceAccount") {
          user = "system:serviceaccount:" +
                 (subject["namespace"] ? subject["namespace"].as<std::string>() : "default") + ":" +
                 subject["name"].as<std::string>();
        } else if (subject && subject["name"]) {
          user = subject["name"].as<std::string>();
        }
      }
    }
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : " (line " + std::to_string(e.mark.line + 1) + ")";
    return make_error(path + ": not a Kubernetes manifest: " + e.msg + where, ErrorKind::kInvalid);
  }
  if (rules.empty()) {
    return make_error(path + ": no Role or ClusterRole with rules", ErrorKind::kInvalid);
  }
  return RbacPolicy(std::move(rules),
                    user.empty() ? "system:serviceaccount:default:autoscaler" : user);
}

bool RbacPolicy::allows(const RequestAttributes& a) const {
  if (!a.resource_request) return true;
  if (a.group == "authorization.k8s.io" && a.verb == "create" &&
      (a.resource == "selfsubjectaccessreviews" || a.resource == "selfsubjectrulesreviews")) {
    return true;
  }
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  return std::any_of(rules_.begin(), rules_.end(), [&](const RbacRule& r) {
    bool verb = contains(r.verbs, "*") || contains(r.verbs, a.verb);
    bool group = contains(r.api_groups, "*") || contains(r.api_groups, a.group);
    bool resource = contains(r.resources, "*") || contains(r.resources, combined) ||
                    (!a.subresource.empty() && contains(r.resources, "*/" + a.subresource));
    bool name = r.resource_names.empty() || contains(r.resource_names, a.name);
    bool scope = r.namespace_.empty() || r.namespace_ == a.namespace_;
    return verb && group && resource && name && scope;
  });
}

std::string RbacPolicy::forbidden_message(const RequestAttributes& a) const {
  std::string what = a.group.empty() ? a.resource : a.resource + "." + a.group;
  if (!a.name.empty()) what += " \"" + a.name + "\"";
  std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  std::string scope =
      a.namespace_.empty() ? "at the cluster scope" : "in the namespace \"" + a.namespace_ + "\"";
  return what + " is forbidden: User \"" + user_ + "\" cannot " + a.verb + " resource \"" +
         resource + "\" in API group \"" + a.group + "\" " + scope;
}

}  // namespace ha
