#include "backends/http/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "backends/runtime/text_file.h"
#include "base/base64.h"

namespace ha {
namespace {

// The entry named `name` of a kubeconfig list (clusters, users, contexts).
YAML::Node named(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& item : list) {
    if (item["name"] && item["name"].as<std::string>() == name) return item;
  }
  return YAML::Node();
}

std::string text(const YAML::Node& n) {
  return n && n.IsScalar() ? n.as<std::string>() : std::string();
}

}  // namespace

Result<KubeconfigConnection> read_kubeconfig(const std::string& path, const std::string& context) {
  auto bad = [&path](const std::string& what) {
    return make_error("kubeconfig " + path + ": " + what, ErrorKind::kInvalid);
  };
  auto content = read_text_file(path);
  if (!content) return content.error();
  YAML::Node doc;
  try {
    doc = YAML::Load(*content);
  } catch (const YAML::Exception& e) {
    return bad("not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (!doc.IsMap()) return bad("expected a Config mapping");
  try {
    std::string ctx_name = context.empty() ? text(doc["current-context"]) : context;
    if (ctx_name.empty()) return bad("current-context: missing (or name a context)");
    YAML::Node ctx = named(doc["contexts"], ctx_name)["context"];
    if (!ctx) return bad("contexts: no context named \"" + ctx_name + "\"");
    std::string cluster_name = text(ctx["cluster"]), user_name = text(ctx["user"]);
    YAML::Node cluster = named(doc["clusters"], cluster_name)["cluster"];
    if (!cluster) return bad("clusters: no cluster named \"" + cluster_name + "\"");
    KubeconfigConnection c;
    c.server = text(cluster["server"]);
    if (c.server.empty()) return bad("clusters." + cluster_name + ".server: missing");
    c.insecure =
        cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>();
    std::filesystem::path base = std::filesystem::path(path).parent_path();
    if (std::string ca = text(cluster["certificate-authority"]); !ca.empty()) {
      c.ca_file = std::filesystem::path(ca).is_relative() ? (base / ca).string() : ca;
    }
    if (std::string data = text(cluster["certificate-authority-data"]); !data.empty()) {
      auto pem = ha::base64_decode(data);
      if (!pem) {
        return bad("clusters." + cluster_name +
                   ".certificate-authority-data: " + pem.error().message);
      }
      c.ca_pem = *pem;
    }
    YAML::Node user = named(doc["users"], user_name)["user"];
    if (!user) return bad("users: no user named \"" + user_name + "\"");
    if (user["exec"] || user["auth-provider"]) {
      return bad("users." + user_name +
                 ": exec and auth-provider plugins are not supported; use a token or a client "
                 "certificate");
    }
    auto path_of = [&base](const std::string& p) {
      return std::filesystem::path(p).is_relative() ? (base / p).string() : p;
    };
    for (auto [key, pem, file] :
         {std::tuple{"client-certificate", &c.client_cert_pem, &c.client_cert_file},
          std::tuple{"client-key", &c.client_key_pem, &c.client_key_file}}) {
      if (std::string data = text(user[std::string(key) + "-data"]); !data.empty()) {
        auto decoded = base64_decode(data);
        if (!decoded) {
          return bad("users." + user_name + "." + key + "-data: " + decoded.error().message);
        }
        *pem = *decoded;
      } else if (std::string f = text(user[key]); !f.empty()) {
        *file = path_of(f);
      }
    }
    bool has_cert = !c.client_cert_pem.empty() || !c.client_cert_file.empty();
    bool has_key = !c.client_key_pem.empty() || !c.client_key_file.empty();
    if (has_cert != has_key) {
      return bad("users." + user_name +
                 ": a client certificate needs its key (client-key or "
                 "client-key-data), and a key its certificate");
    }
    c.token = text(user["token"]);
    if (std::string file = text(user["tokenFile"]); c.token.empty() && !file.empty()) {
      auto t = read_token_file(path_of(file));
      if (!t) return bad("users." + user_name + ".tokenFile: " + t.error().message);
      c.token = *t;
    }
    if (c.token.empty() && !has_cert) {
      return bad("users." + user_name + ": no token, tokenFile or client certificate");
    }
    return c;
  } catch (const YAML::Exception& e) {
    return bad("unexpected value: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
}

}  // namespace ha
