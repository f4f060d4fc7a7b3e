#include "agent/agent_config.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backends/http/kubeconfig.h"
#include "backends/runtime/stream_logger.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"

namespace ha {
namespace {

using nlohmann::json;

// Reads typed keys of one block; the first problem is kept with its place.
class Block {
 public:
  Block(const json& j, std::string at) : j_(j), at_(std::move(at)) {}

  template <typename T>
  void read(const char* key, T& into) {
    if (error || !j_.contains(key)) return;
    const json& v = j_.at(key);
    bool ok = false;
    if constexpr (std::is_same_v<T, bool>) {
      ok = v.is_boolean();
    } else if constexpr (std::is_same_v<T, int>) {
      ok = v.is_number_integer();
    } else {
      ok = v.is_string();
    }
    if (!ok) {
      fail(key, std::string("expected a ") + (std::is_same_v<T, bool>  ? "boolean"
                                              : std::is_same_v<T, int> ? "integer"
                                                                       : "string"));
      return;
    }
    into = v.get<T>();
  }
  void read_duration(const char* key, Duration& into) {
    std::string text;
    read(key, text);
    if (error || text.empty()) return;
    auto d = parse_duration(text);
    if (!d) return fail(key, d.error().message);
    into = *d;
  }
  Block child(const char* key) {
    static const json kEmpty = json::object();
    if (error || !j_.contains(key)) return Block(kEmpty, at_ + key + ".");
    if (!j_.at(key).is_object()) fail(key, "expected an object");
    return Block(j_.at(key).is_object() ? j_.at(key) : kEmpty, at_ + key + ".");
  }
  void forbid_token(const char* key, const char* instead) {
    if (!error && j_.contains(key)) {
      fail(key, std::string("tokens are not read from the config; use ") + instead);
    }
  }
  void fail(const std::string& key, const std::string& why) {
    if (!error) error = at_ + key + ": " + why;
  }
  bool has(const char* key) const { return j_.contains(key); }
  std::optional<std::string> error;

 private:
  const json& j_;
  std::string at_;
};

Result<std::string> token(const std::string& file, const char* what) {
  auto t = read_token_file(file);
  if (!t) return make_error(std::string(what) + ": " + t.error().message, ErrorKind::kInvalid);
  return *t;
}

struct FilePaths {
  std::string nomad_token, harvester_token, kubeconfig, kubeconfig_context, prometheus_token;
};

Result<void> read_file(const std::string& path, AgentConfig& c, FilePaths& files) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  json j;
  try {
    j = json::parse(*text);
  } catch (const json::exception& e) {  // syntax, or a number out of range
    return make_error(path + ": not valid JSON: " + e.what(), ErrorKind::kInvalid);
  }
  if (!j.is_object()) return make_error(path + ": expected a JSON object", ErrorKind::kInvalid);
  static const char* kKnown[] = {"log_level",        "log_json", "dry_run",
                                 "shutdown_timeout", "http",     "nomad",
                                 "policy",           "apm",      "target"};
  for (const auto& [key, v] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return make_error(path + ": " + key + ": unknown key", ErrorKind::kInvalid);
    }
  }
  Block top(j, "");
  std::string level;
  top.read("log_level", level);
  if (!level.empty()) {
    auto l = parse_log_level(level);
    if (!l)
      top.fail("log_level", l.error().message);
    else
      c.log_level = *l;
  }
  top.read("log_json", c.log_json);
  top.read("dry_run", c.dry_run);
  top.read_duration("shutdown_timeout", c.shutdown_timeout);
  Block http = top.child("http");
  http.read("bind_address", c.http_bind_address);
  http.read("bind_port", c.http_bind_port);
  Block nomad = top.child("nomad");
  nomad.read("address", c.nomad_address);
  nomad.read("region", c.nomad_region);
  nomad.read("namespace", c.nomad_namespace);
  nomad.forbid_token("token", "nomad.token_file or NOMAD_TOKEN");
  nomad.read("token_file", files.nomad_token);
  nomad.read("ca_cert", c.nomad_ca_cert);
  nomad.read("skip_verify", c.nomad_skip_verify);
  Block policy = top.child("policy");
  policy.read("dir", c.policy_dir);
  policy.read("source_nomad", c.policy_source_nomad);
  Block apm = top.child("apm");
  Block prometheus = apm.child("prometheus");
  Block prometheus_config = prometheus.child("config");
  prometheus_config.read("address", c.prometheus_address);
  prometheus_config.forbid_token("token", "apm.prometheus.config.token_file");
  prometheus_config.read("token_file", files.prometheus_token);
  Block targets = top.child("target");
  Block target = targets.child("harvester");
  Block harvester = target.child("config");
  harvester.read("harvester_url", c.harvester_url);
  harvester.forbid_token("auth_token", "auth_token_file or HARVESTER_TOKEN");
  harvester.read("auth_token_file", files.harvester_token);
  harvester.read("kubeconfig", files.kubeconfig);
  harvester.read("kubeconfig_context", files.kubeconfig_context);
  harvester.read("ca_file", c.harvester_ca_file);
  harvester.read("insecure_skip_verify", c.harvester_skip_verify);
  harvester.read_duration("poll_interval", c.poll_interval);
  for (Block* b : {&top, &http, &nomad, &policy, &apm, &prometheus, &prometheus_config, &targets,
                   &target, &harvester}) {
    if (b->error) return make_error(path + ": " + *b->error, ErrorKind::kInvalid);
  }
  // Relative paths in the file are relative to the file.
  std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (std::string* p :
       {&c.policy_dir, &files.nomad_token, &files.harvester_token, &files.kubeconfig,
        &files.prometheus_token, &c.nomad_ca_cert, &c.harvester_ca_file}) {
    if (!p->empty() && std::filesystem::path(*p).is_relative()) *p = (base / *p).string();
  }
  return {};
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

Result<AgentConfig> load_agent_config(const std::optional<std::string>& file,
                                      const AgentFlags& flags, const EnvLookup& env) {
  AgentConfig c;
  FilePaths files;
  if (file) {
    if (auto r = read_file(*file, c, files); !r) return r.error();
  }
  if (flags.kubeconfig) files.kubeconfig = *flags.kubeconfig;
  if (!files.kubeconfig.empty()) {
    // The kubeconfig first: everything after it overrides what it says.
    auto k = read_kubeconfig(files.kubeconfig, files.kubeconfig_context);
    if (!k) return k.error();
    if (c.harvester_url.empty()) c.harvester_url = k->server;
    c.harvester_token = k->token;
    if (c.harvester_ca_file.empty()) c.harvester_ca_file = k->ca_file;
    c.harvester_ca_pem = k->ca_pem;
    c.harvester_skip_verify = c.harvester_skip_verify || k->insecure;
  }
  // Environment over the file.
  if (auto v = env("NOMAD_ADDR"); v && !v->empty()) c.nomad_address = *v;
  if (auto v = env("NOMAD_TOKEN"); v && !v->empty()) c.nomad_token = *v;
  if (auto v = env("HARVESTER_URL"); v && !v->empty()) c.harvester_url = *v;
  if (auto v = env("HARVESTER_TOKEN"); v && !v->empty()) c.harvester_token = *v;
  // Flags over both.
  if (flags.nomad_address) c.nomad_address = *flags.nomad_address;
  if (flags.harvester_url) c.harvester_url = *flags.harvester_url;
  if (flags.policy_dir) c.policy_dir = *flags.policy_dir;
  if (flags.nomad_token_file) files.nomad_token = *flags.nomad_token_file;
  if (flags.harvester_token_file) files.harvester_token = *flags.harvester_token_file;
  if (flags.dry_run) c.dry_run = true;
  if (flags.log_json) c.log_json = true;
  if (flags.log_level) {
    auto l = parse_log_level(*flags.log_level);
    if (!l) return make_error("--log-level: " + l.error().message, ErrorKind::kInvalid);
    c.log_level = *l;
  }
  if (flags.http_bind) {
    const std::string& b = *flags.http_bind;
    auto colon = b.rfind(':');
    int port = -1;
    try {
      std::size_t used = 0;
      if (colon != std::string::npos) port = std::stoi(b.substr(colon + 1), &used);
      if (used != b.size() - colon - 1) port = -1;
    } catch (const std::exception&) {
      port = -1;
    }
    if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
      return make_error("--http-bind \"" + b + "\": expected HOST:PORT", ErrorKind::kInvalid);
    }
    c.http_bind_address = b.substr(0, colon);
    c.http_bind_port = port;
  }
  // A token file named explicitly wins over the environment.
  if (!files.nomad_token.empty()) {
    auto t = token(files.nomad_token, "nomad token file");
    if (!t) return t.error();
    c.nomad_token = *t;
  }
  if (!files.harvester_token.empty()) {
    auto t = token(files.harvester_token, "harvester token file");
    if (!t) return t.error();
    c.harvester_token = *t;
  }
  if (!files.prometheus_token.empty()) {
    auto t = token(files.prometheus_token, "prometheus token file");
    if (!t) return t.error();
    c.prometheus_token = *t;
  }
  if (!c.prometheus_address.empty() && !is_http_url(c.prometheus_address)) {
    return make_error(
        "apm.prometheus.config.address \"" + c.prometheus_address + "\" is not an http(s) URL",
        ErrorKind::kInvalid);
  }
  if (!is_http_url(c.nomad_address)) {
    return make_error("nomad address \"" + c.nomad_address + "\" is not an http(s) URL",
                      ErrorKind::kInvalid);
  }
  if (c.harvester_url.empty()) {
    return make_error(
        "no Harvester URL: set target.harvester.config.harvester_url, HARVESTER_URL or "
        "--harvester-url",
        ErrorKind::kInvalid);
  }
  if (!is_http_url(c.harvester_url)) {
    return make_error("harvester URL \"" + c.harvester_url + "\" is not an http(s) URL",
                      ErrorKind::kInvalid);
  }
  if (c.http_bind_port < 0 || c.http_bind_port > 65535) {
    return make_error("http.bind_port: must be 0-65535", ErrorKind::kInvalid);
  }
  if (c.policy_dir.empty() && !c.policy_source_nomad) {
    return make_error("no policy source: set policy.dir or --policy-dir, or policy.source_nomad",
                      ErrorKind::kInvalid);
  }
  return c;
}

}  // namespace ha
