// HarvesterMockServer: the objects besides VirtualMachines, on their real paths:
//   GET    /api/v1/namespaces[/NAME]
//   GET    /apis/storage.k8s.io/v1/storageclasses[/NAME]
//   GET    /apis/harvesterhci.io/v1beta1[/namespaces/NS]/virtualmachineimages[/NAME]
//   GET    /apis/k8s.cni.cncf.io/v1[/namespaces/NS]/network-attachment-definitions[/NAME]
//   GET    /api/v1[/namespaces/NS]/secrets[/NAME]; POST .../secrets (201); DELETE .../NAME
//   GET    /api/v1[/namespaces/NS]/persistentvolumeclaims[/NAME]; DELETE .../NAME
//   POST   /apis/authorization.k8s.io/v1/selfsubjectaccessreviews (201), answered from the
//          token's Role as RBAC would (everything allowed without one)
// Lists are v1 Lists with the model's resourceVersion; a missing object is 404 with the
// resource in the Status details, as the API server writes it.
#include <httplib.h>

#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/kubernetes_replies.h"
#include "backends/wire/kube_objects_json.h"
#include "base/dns_names.h"

namespace ha {
namespace {

using nlohmann::json;
namespace kj = kube_json;

// The namespace of a path matched with an optional "(namespaces/([^/]+)/)?" at `index`.
std::string path_namespace(const httplib::Request& req, std::size_t index) {
  return req.matches.size() > index ? req.matches[index].str() : "";
}

}  // namespace

void HarvesterMockServer::object_routes() {
  httplib::Server& s = http();
  // A list of what `items` gives (on the loop), as a List of `kind`.
  auto list = [this](httplib::Response& res, const std::string& api_version,
                     const std::string& kind, const std::function<std::vector<json>()>& items) {
    auto [objects, version] = on_loop([&] {
      return std::pair{items(), model_.resource_version()};
    });
    send_json(res, 200, kj::list(api_version, kind, std::move(objects), std::to_string(version)));
  };
  // One object (read on the loop), or its error.
  auto one = [](httplib::Response& res, const Result<json>& object, const std::string& name,
                const std::string& resource, const std::string& group) {
    if (!object) return model_error(res, object.error(), name, resource, group);
    send_json(res, 200, *object);
  };
  // An object as served: its times on the wall clock, as the VMs' (mock-cluster's time runs
  // from zero at its start).
  auto served = [this](auto object) {
    if (options_.wall_time)
      object.meta.creation_time = options_.wall_time(object.meta.creation_time);
    return object;
  };
  auto as_json = [served](auto result, auto write) -> Result<json> {
    if (!result) return result.error();
    return write(served(*result));
  };

  s.Get("/api/v1/namespaces", [=, this](const httplib::Request&, httplib::Response& res) {
    list(res, "v1", "NamespaceList", [this, served] {
      std::vector<json> out;
      for (const Namespace& ns : model_.namespaces())
        out.push_back(kj::namespace_object(served(ns)));
      return out;
    });
  });
  // kubectl create namespace: a namespace the model did not have.
  s.Post("/api/v1/namespaces", [this, served](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!parse_body(req, res, body)) return;
    auto ns = kj::read_namespace(body);
    if (!ns || !is_dns1123_label(ns->meta.name)) {
      return model_error(
          res,
          make_error("Namespace \"" + (ns ? ns->meta.name : "") +
                         "\" is invalid: metadata.name: a lowercase RFC 1123 label is required",
                     ErrorKind::kInvalid),
          ns ? ns->meta.name : "", "namespaces", "");
    }
    auto created = on_loop([&]() -> Result<Namespace> {
      if (model_.get_namespace(ns->meta.name)) {
        return make_error("namespaces \"" + ns->meta.name + "\" already exists",
                          ErrorKind::kConflict);
      }
      model_.add_namespace(ns->meta.name);
      return model_.get_namespace(ns->meta.name);
    });
    if (!created) return model_error(res, created.error(), ns->meta.name, "namespaces", "");
    send_json(res, 201, kj::namespace_object(served(*created)));
  });
  s.Get(
      "/api/v1/namespaces/([^/]+)", [=, this](const httplib::Request& req, httplib::Response& res) {
        std::string name = req.matches[1];
        one(res, on_loop([&] { return as_json(model_.get_namespace(name), kj::namespace_object); }),
            name, "namespaces", "");
      });

  s.Get("/apis/storage.k8s.io/v1/storageclasses",
        [=, this](const httplib::Request&, httplib::Response& res) {
          list(res, "storage.k8s.io/v1", "StorageClassList", [this, served] {
            std::vector<json> out;
            for (const StorageClass& sc : model_.storage_classes()) {
              out.push_back(kj::storage_class(served(sc)));
            }
            return out;
          });
        });
  s.Get("/apis/storage.k8s.io/v1/storageclasses/([^/]+)", [=, this](const httplib::Request& req,
                                                                    httplib::Response& res) {
    std::string name = req.matches[1];
    one(res, on_loop([&] { return as_json(model_.get_storage_class(name), kj::storage_class); }),
        name, "storageclasses", "storage.k8s.io");
  });

  // Namespaced kinds: listed in a namespace or across all, read one by one.
  struct Kind {
    std::string prefix, resource, group, api_version, list_kind;
    std::function<std::vector<json>(const std::string&)> items;
    std::function<Result<json>(const std::string&, const std::string&)> get;
  };
  std::vector<Kind> kinds = {
      {"/apis/harvesterhci.io/v1beta1/", "virtualmachineimages", "harvesterhci.io",
       "harvesterhci.io/v1beta1", "VirtualMachineImageList",
       [this, served](const std::string& ns) {
         std::vector<json> out;
         for (const VmImage& i : model_.images(ns)) out.push_back(kj::image(served(i)));
         return out;
       },
       [=, this](const std::string& ns, const std::string& name) {
         return as_json(model_.get_image(ns, name), kj::image);
       }},
      {"/apis/k8s.cni.cncf.io/v1/", "network-attachment-definitions", "k8s.cni.cncf.io",
       "k8s.cni.cncf.io/v1", "NetworkAttachmentDefinitionList",
       [this, served](const std::string& ns) {
         std::vector<json> out;
         for (const NetworkAttachment& n : model_.networks(ns))
           out.push_back(kj::network(served(n)));
         return out;
       },
       [=, this](const std::string& ns, const std::string& name) {
         return as_json(model_.get_network(ns, name), kj::network);
       }},
      {"/api/v1/", "secrets", "", "v1", "SecretList",
       [this, served](const std::string& ns) {
         std::vector<json> out;
         for (const Secret& x : model_.secrets(ns)) out.push_back(kj::secret(served(x)));
         return out;
       },
       [=, this](const std::string& ns, const std::string& name) {
         return as_json(model_.get_secret(ns, name), kj::secret);
       }},
      {"/api/v1/", "persistentvolumeclaims", "", "v1", "PersistentVolumeClaimList",
       [this, served](const std::string& ns) {
         std::vector<json> out;
         for (const PersistentVolumeClaim& c : model_.claims(ns))
           out.push_back(kj::claim(served(c)));
         return out;
       },
       [=, this](const std::string& ns, const std::string& name) {
         return as_json(model_.get_claim(ns, name), kj::claim);
       }},
  };
  for (const Kind& k : kinds) {
    s.Get(k.prefix + "(namespaces/([^/]+)/)?" + k.resource,
          [=](const httplib::Request& req, httplib::Response& res) {
            std::string ns = path_namespace(req, 2);
            list(res, k.api_version, k.list_kind, [&] { return k.items(ns); });
          });
    s.Get(k.prefix + "namespaces/([^/]+)/" + k.resource + "/([^/]+)",
          [=, this](const httplib::Request& req, httplib::Response& res) {
            std::string ns = req.matches[1], name = req.matches[2];
            one(res, on_loop([&] { return k.get(ns, name); }), name, k.resource, k.group);
          });
  }

  s.Post("/api/v1/namespaces/([^/]+)/secrets",
         [this, served](const httplib::Request& req, httplib::Response& res) {
           json body;
           if (!parse_body(req, res, body)) return;
           auto secret = kj::read_secret(body);
           if (!secret) return model_error(res, secret.error(), "", "secrets", "");
           std::string ns = req.matches[1];
           if (!secret->meta.namespace_.empty() && secret->meta.namespace_ != ns) {
             return send_json(res, 400,
                              kubevirt_json::status_error(
                                  400, "BadRequest",
                                  "the namespace of the provided object does not match the "
                                  "namespace sent on the request"));
           }
           secret->meta.namespace_ = ns;
           auto created = on_loop([&] { return model_.create_secret(*secret); });
           if (!created) return model_error(res, created.error(), secret->meta.name, "secrets", "");
           send_json(res, 201, kj::secret(served(*created)));
         });
  s.Delete("/api/v1/namespaces/([^/]+)/(secrets|persistentvolumeclaims)/([^/]+)",
           [this](const httplib::Request& req, httplib::Response& res) {
             std::string ns = req.matches[1], resource = req.matches[2], name = req.matches[3];
             auto r = on_loop([&] {
               return resource == "secrets" ? model_.delete_secret(ns, name)
                                            : model_.delete_claim(ns, name);
             });
             if (!r) return model_error(res, r.error(), name, resource, "");
             send_json(res, 200,
                       {{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"metadata", json::object()},
                        {"status", "Success"},
                        {"details", {{"name", name}, {"kind", resource}}}});
           });

  s.Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
         [this](const httplib::Request& req, httplib::Response& res) {
           json body;
           if (!parse_body(req, res, body)) return;
           auto check = kj::read_access_review(body);
           if (!check) {
             return send_json(
                 res, 400, kubevirt_json::status_error(400, "BadRequest", check.error().message));
           }
           RequestAttributes a;
           a.resource_request = true;
           a.verb = check->verb;
           a.group = check->group;
           a.resource = check->resource;
           a.subresource = check->subresource;
           a.namespace_ = check->namespace_;
           a.name = check->name;
           bool allowed = !options_.rbac || options_.rbac->allows(a);
           send_json(res, 201,
                     kj::access_review_answer(*check, allowed,
                                              allowed ? "RBAC: allowed by the token's Role" : ""));
         });
}

}  // namespace ha
