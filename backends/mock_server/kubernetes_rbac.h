// Kubernetes RBAC as the mock Harvester's API server applies it to a token bound to a Role:
// the request's attributes read from its method and path (k8s.io/apiserver
// pkg/endpoints/request/requestinfo.go), matched against the Role's rules as RBAC does
// (pkg/apis/rbac/v1/evaluation_helpers.go: verbs, apiGroups, resources with "res/sub" and
// "*/sub", resourceNames), and the 403 Status message a refusal carries.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace ha {

struct RbacRule {
  std::vector<std::string> verbs, api_groups, resources, resource_names;
  // A Role's namespace: its rules hold there only. Empty for a ClusterRole's (everywhere).
  std::string namespace_;
};

// What a request asks, as the authorizer sees it.
struct RequestAttributes {
  bool resource_request = false;  // false: /version, /api, /apis, /openapi ... (public)
  std::string verb, group, resource, subresource, namespace_, name;
};

RequestAttributes request_attributes(const std::string& method, const std::string& path,
                                     bool watch);

class RbacPolicy {
 public:
  // The rules of every Role (in its namespace) and ClusterRole (everywhere) in a YAML file of
  // Kubernetes manifests (several documents allowed; others, as a ServiceAccount, ignored: the
  // token holds every role of the file), and the user named by its first RoleBinding or
  // ClusterRoleBinding subject ("system:serviceaccount:NS:NAME" for a ServiceAccount). An
  // error names the file and the document.
  static Result<RbacPolicy> load(const std::string& path);
  RbacPolicy(std::vector<RbacRule> rules, std::string user)
      : rules_(std::move(rules)), user_(std::move(user)) {}

  // Whether the rules allow `a`. Every authenticated user may discover the API and ask
  // SelfSubjectAccessReviews (Kubernetes' system:discovery and system:basic-user).
  bool allows(const RequestAttributes& a) const;
  // The message of the 403 Status refusing `a`.
  std::string forbidden_message(const RequestAttributes& a) const;
  const std::string& user() const { return user_; }

 private:
  std::vector<RbacRule> rules_;
  std::string user_;
};

}  // namespace ha
