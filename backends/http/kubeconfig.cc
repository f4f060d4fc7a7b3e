#include "backends/http/kubeconfig.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "backends/runtime/text_file.h"

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

Result<std::string> base64_decode(const std::string& in) {
  std::string compact;
  for (char c : in) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  std::string out(compact.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0 || compact.size() % 4 != 0) return make_error("not valid base64");
  std::size_t padding = 0;
  for (auto it = compact.rbegin(); it != compact.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
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
      auto pem = base64_decode(data);
      if (!pem) {
        return bad("clusters." + cluster_name +
                   ".certificate-authority-data: " + pem.error().message);
      }
      c.ca_pem = *pem;
    }
    YAML::Node user = named(doc["users"], user_name)["user"];
    if (!user) return bad("users: no user named \"" + user_name + "\"");
    if (user["client-certificate"] || user["client-certificate-data"] || user["exec"]) {
      return bad("users." + user_name +
                 ": client certificates and exec plugins are not supported; use a token");
    }
    c.token = text(user["token"]);
    if (std::string file = text(user["tokenFile"]); c.token.empty() && !file.empty()) {
      auto t = read_token_file(std::filesystem::path(file).is_relative() ? (base / file).string()
                                                                         : file);
      if (!t) return bad("users." + user_name + ".tokenFile: " + t.error().message);
      c.token = *t;
    }
    if (c.token.empty()) return bad("users." + user_name + ": no token or tokenFile");
    return c;
  } catch (const YAML::Exception& e) {
    return bad("unexpected value: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
}

}  // namespace ha
