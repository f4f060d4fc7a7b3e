#include "apps/fault_control.h"

#include <algorithm>
#include <future>

#include "base/duration.h"
#include "engine/policy/hcl_json.h"

namespace ha {
namespace {

// The fault kinds a server of `api` alone can show.
std::vector<std::string> kinds_for(const std::string& api) {
  std::vector<std::string> k = {"api_errors", "outage", "latency_spike"};
  if (api == "nomad") {
    k.push_back("drain_stuck");
  } else {
    k.insert(k.end(), {"vm_stuck_starting", "vm_unschedulable"});
  }
  return k;
}

}  // namespace

FaultControl::FaultControl(EventLoop& loop, std::string api, FaultInjector& injector,
                           HarvesterModel* harvester, NomadModel* nomad)
    : loop_(loop),
      api_(std::move(api)),
      injector_(injector),
      harvester_(harvester),
      nomad_(nomad) {}

FaultControl::~FaultControl() {
  clear();
}

bool FaultControl::replace(const nlohmann::json& doc, const std::string& source,
                           Diagnostics& diags) {
  std::size_t before = diags.size();
  hcl_json::Reader reader(source, diags);
  const nlohmann::json* faults = &doc;
  std::string pointer;
  if (doc.is_object() && doc.contains("faults")) {
    faults = &doc["faults"];
    pointer = "/faults";
  }
  if (!faults->is_array()) {
    reader.error(pointer.empty() ? "/" : pointer,
                 "expected an array of faults, or an object with \"faults\"");
    return false;
  }
  std::vector<FaultSpec> specs = read_faults(*faults, pointer, reader);
  std::vector<std::string> allowed = kinds_for(api_);
  for (const FaultSpec& f : specs) {
    if (f.kind.empty()) continue;  // already reported
    if (std::find(allowed.begin(), allowed.end(), f.kind) == allowed.end()) {
      std::string list;
      for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
      reader.error(hcl_json::child(f.pointer, "kind"),
                   "a mock " + api_ + " server alone can show only: " + list);
    } else if (f.is_api_fault() && f.api != api_) {
      reader.error(hcl_json::child(f.pointer, "api"), "this server is the " + api_ + " API");
    }
  }
  if (diags.size() > before) return false;

  clear();
  set_at_ = loop_.now();
  given_ = std::move(specs);
  running_ = given_;
  for (FaultSpec& f : running_) {
    f.from += set_at_;
    if (f.until) *f.until += set_at_;
  }
  FaultPlan::Targets targets;
  (api_ == "nomad" ? targets.nomad_api : targets.harvester_api) = &injector_;
  targets.harvester = harvester_;
  targets.nomad = nomad_;
  plan_ = std::make_unique<FaultPlan>(loop_, running_, targets);
  plan_->start(Time::max(), /*begin_due_now=*/true);
  return true;
}

void FaultControl::clear() {
  if (plan_) plan_->stop();
  plan_.reset();
  given_.clear();
  running_.clear();
}

nlohmann::ordered_json FaultControl::describe() const {
  nlohmann::ordered_json faults = nlohmann::ordered_json::array();
  for (const FaultSpec& f : given_) faults.push_back(f.to_json());
  return {{"set_at", to_seconds(set_at_)}, {"faults", faults}};
}

std::pair<int, std::string> FaultControl::admin(const std::string& method,
                                                const std::string& body) {
  if (method == "GET") return {200, describe().dump()};
  if (method == "DELETE") {
    clear();
    return {200, describe().dump()};
  }
  Diagnostics diags;
  if (auto doc = hcl_json::parse_document(body, "request body", diags)) {
    if (replace(*doc, "request body", diags)) return {200, describe().dump()};
  }
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  for (const Diagnostic& d : diags) errors.push_back(d.to_string());
  return {400, nlohmann::ordered_json{{"errors", errors}}.dump()};
}

FaultAdmin fault_admin_on_loop(RealtimeLoop& loop, FaultControl& control) {
  return [&loop, &control](const std::string& method, const std::string& body) {
    std::promise<std::pair<int, std::string>> answer;
    loop.post([&] { answer.set_value(control.admin(method, body)); });
    return answer.get_future().get();
  };
}

}  // namespace ha
