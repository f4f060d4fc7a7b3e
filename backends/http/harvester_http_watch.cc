// HarvesterHttpApi::watch_vms: a Kubernetes watch over HTTP, read as it streams. Each line
// is one event {"type", "object"}; BOOKMARK objects carry only metadata.resourceVersion; an
// ERROR event holding a Status with code 410 ends the watch with kGone (list again), any
// other ERROR with its code's error kind. A line that is not an event ends the watch with
// kInvalid naming the endpoint.
#include <atomic>

#include "backends/http/harvester_http_api.h"
#include "backends/http/http_response.h"
#include "backends/http/line_buffer.h"
#include "backends/http/stream_handle.h"
#include "backends/wire/kubevirt_json.h"

namespace ha {
namespace {

using nlohmann::json;

struct HttpWatchState {
  std::string where;
  std::function<void(const VmChange&)> on_change;
  Done<Unit> done;
  LineBuffer lines;
  bool ended = false;
  std::shared_ptr<std::atomic<bool>> cancelled;

  void finish(Result<Unit> result) {
    if (ended) return;
    ended = true;
    if (cancelled) cancelled->store(true);
    done(std::move(result));
  }

  // One line of the stream; false when it ended the watch.
  bool line(const std::string& text) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) return true;
    json event = json::parse(text, nullptr, false);
    if (event.is_discarded() || !event.is_object() || !event.contains("type") ||
        !event["type"].is_string() || !event.contains("object") || !event["object"].is_object()) {
      finish(make_error(where + ": a watch line that is not an event: " + text.substr(0, 200),
                        ErrorKind::kInvalid));
      return false;
    }
    const std::string type = event["type"];
    const json& object = event["object"];
    if (type == "ERROR") {
      long code = object.value("code", 0L);
      std::string message = object.value("message", std::string("(no message)"));
      finish(make_error(where + ": " + message,
                        code == 410 ? ErrorKind::kGone : error_kind_for_status(code)));
      return false;
    }
    VmChange change;
    if (type == "BOOKMARK") {
      change.type = VmChange::Type::kBookmark;
      const json* meta = object.contains("metadata") ? &object["metadata"] : nullptr;
      if (meta == nullptr || !meta->contains("resourceVersion") ||
          !(*meta)["resourceVersion"].is_string()) {
        finish(make_error(where + ": a BOOKMARK without metadata.resourceVersion",
                          ErrorKind::kInvalid));
        return false;
      }
      change.resource_version = (*meta)["resourceVersion"];
    } else if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
      auto vm = kubevirt_json::read_virtual_machine(object);
      if (!vm) {
        finish(
            make_error(where + ": " + type + " event: " + vm.error().message, ErrorKind::kInvalid));
        return false;
      }
      change.type = type == "ADDED"      ? VmChange::Type::kAdded
                    : type == "MODIFIED" ? VmChange::Type::kModified
                                         : VmChange::Type::kDeleted;
      change.resource_version = vm->resource_version;
      change.vm = std::make_shared<const VirtualMachine>(std::move(*vm));
    } else {
      finish(
          make_error(where + ": unknown watch event type \"" + type + "\"", ErrorKind::kInvalid));
      return false;
    }
    on_change(change);
    return !ended;  // on_change may have cancelled the watch
  }

  void data(const std::string& piece) {
    if (ended) return;
    lines.feed(piece, [this](const std::string& l) { return line(l); });
  }
};

}  // namespace

std::unique_ptr<WatchHandle> HarvesterHttpApi::watch_vms(
    const std::string& ns, const std::string& label_selector, const std::string& resource_version,
    Duration timeout, std::function<void(const VmChange&)> on_change, Done<Unit> done) {
  auto state = std::make_shared<HttpWatchState>();
  std::string path = "/apis/kubevirt.io/v1/namespaces/" + url_escape(ns) + "/virtualmachines";
  state->where = "GET " + path + " (watch)";
  state->on_change = std::move(on_change);
  state->done = std::move(done);
  auto seconds = std::max<long>(
      1, static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
  HttpRequest r;
  r.path = path;
  r.url = options_.url + path +
          "?watch=true&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(seconds) +
          "&resourceVersion=" + url_escape(resource_version) +
          (label_selector.empty() ? "" : "&labelSelector=" + url_escape(label_selector));
  r.headers["Accept"] = "application/json";
  if (!options_.token.empty()) r.headers["Authorization"] = "Bearer " + options_.token;
  // The server ends the watch after `timeout`; the transport gives it half a minute more.
  state->cancelled = transport_.stream(
      std::move(r), std::chrono::seconds(seconds + 30),
      [state](std::string piece) { state->data(piece); },
      [state](Result<HttpResponse> res) {
        if (state->ended) return;
        if (!res) return state->finish(res.error());
        if (res->status < 200 || res->status >= 300) {
          return state->finish(json_answer(std::move(res), state->where).error());
        }
        if (!state->lines.rest().empty() && !state->line(state->lines.rest())) return;
        state->finish(Unit{});
      });
  return std::make_unique<StreamHandle<HttpWatchState>>(state);
}

}  // namespace ha
