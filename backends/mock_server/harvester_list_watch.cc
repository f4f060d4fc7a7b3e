// HarvesterMockServer's list and watch of VirtualMachines, as the Kubernetes API server
// serves them. A list (GET .../virtualmachines) answers the newest state, with its version in
// metadata.resourceVersion; given resourceVersion=RV (resourceVersionMatch NotOlderThan, the
// default, or Exact), an RV newer than the model's is 504 "Too large resource version", and
// for Exact an older one is 410 Expired (only the newest state is kept). A watch:
//   GET .../virtualmachines?watch=true[&resourceVersion=RV][&labelSelector=S]
//       [&fieldSelector=metadata.name=NAME][&timeoutSeconds=N][&allowWatchBookmarks=true]
// A chunked stream of JSON lines {"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object"}.
// Without a resourceVersion (or "0") it starts with an ADDED event for each VM there is, then
// follows changes; with one, it replays the changes after it from the model's change log,
// or, when that version is older than the log retains, sends one ERROR event holding a
// Status with code 410 (reason Expired) and ends, as the API server does. Bookmarks carry
// the newest version only; the stream ends after timeoutSeconds (default: 30 minutes).
#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "backends/mock_server/harvester_mock_server.h"
#include "backends/mock_server/server_setup.h"
#include "backends/wire/kubevirt_json.h"

namespace ha {
namespace {

using nlohmann::json;
namespace kv = kubevirt_json;
using Clock = std::chrono::steady_clock;

// Events handed from the model's loop thread to the thread that writes the stream.
class WatchQueue {
 public:
  explicit WatchQueue(std::uint64_t version) : newest_(version) {}
  void push(std::optional<VmWatchEvent> event, std::uint64_t version) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (event) events_.push_back(std::move(*event));
      newest_ = version;
    }
    if (event) ready_.notify_one();
  }
  // Waits until `until` for events; returns those there are and the newest version seen.
  std::pair<std::vector<VmWatchEvent>, std::uint64_t> take(Clock::time_point until) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_until(lock, until, [this] { return !events_.empty(); });
    std::vector<VmWatchEvent> out(std::make_move_iterator(events_.begin()),
                                  std::make_move_iterator(events_.end()));
    events_.clear();
    return {std::move(out), newest_};
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<VmWatchEvent> events_;
  std::uint64_t newest_;
};

struct WatchState {
  std::shared_ptr<WatchQueue> queue;
  std::uint64_t subscription = 0;
  std::vector<std::string> first_lines;  // the initial ADDED events, or the 410 ERROR
  bool ends_after_first = false;
  bool bookmarks = false;
  Clock::time_point deadline, next_bookmark;
};

std::string line(const json& j) {
  return j.dump() + "\n";
}

std::string bookmark(std::uint64_t version) {
  return line({{"type", "BOOKMARK"},
               {"object",
                {{"kind", "VirtualMachine"},
                 {"apiVersion", "kubevirt.io/v1"},
                 {"metadata", {{"resourceVersion", std::to_string(version)}}}}}});
}

bool parse_version(const std::string& text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

void bad_request(httplib::Response& res, const std::string& message) {
  send_json(res, 400, kv::status_error(400, "BadRequest", message, ""));
}

// fieldSelector: metadata.name=NAME only (what kubectl sends); sets `name`, or answers 400.
bool name_selector(const httplib::Request& req, httplib::Response& res, std::string& name) {
  std::string field = req.get_param_value("fieldSelector");
  if (field.empty()) return true;
  if (field.rfind("metadata.name=", 0) == 0) {
    name = field.substr(14);
    return true;
  }
  bad_request(res, "field label not supported: " + field.substr(0, field.find('=')));
  return false;
}

}  // namespace

void HarvesterMockServer::list(const httplib::Request& req, httplib::Response& res,
                               const std::string& ns, const std::string& selector) {
  std::string name;
  if (!name_selector(req, res, name)) return;
  std::string version_text = req.get_param_value("resourceVersion");
  std::string match = req.get_param_value("resourceVersionMatch");
  std::uint64_t wanted = 0;
  if (!version_text.empty() && !parse_version(version_text, wanted)) {
    return bad_request(res, "invalid resource version \"" + version_text + "\"");
  }
  if (!match.empty() && match != "NotOlderThan" && match != "Exact") {
    return bad_request(res, "resourceVersionMatch: Unsupported value: \"" + match +
                                "\": supported values: \"Exact\", \"NotOlderThan\"");
  }
  if (!match.empty() && version_text.empty()) {
    return bad_request(res,
                       "resourceVersionMatch is forbidden unless resourceVersion "
                       "is provided");
  }
  auto [vms, version] = on_loop([&] {
    return std::pair{model_.list(ns, selector), model_.resource_version()};
  });
  if (!vms) return bad_request(res, vms.error().message);
  if (wanted > version) {
    json status = kv::status_error(
        504, "Timeout",
        "Too large resource version: " + version_text + ", current: " + std::to_string(version),
        "");
    status["details"] = {{"causes", json::array({{{"reason", "ResourceVersionTooLarge"},
                                                  {"message", "Too large resource version"}}})},
                         {"retryAfterSeconds", 1}};
    return send_json(res, 504, status);
  }
  if (match == "Exact" && wanted != 0 && wanted < version) {
    return send_json(res, 410,
                     kv::status_error(410, "Expired",
                                      "too old resource version: " + version_text + " (" +
                                          std::to_string(version) + ")",
                                      ""));
  }
  VmList items = *vms;
  if (!name.empty()) {
    std::erase_if(items, [&](const auto& vm) { return vm->spec.name != name; });
  }
  send_json(res, 200, kv::virtual_machine_list(as_served(items), std::to_string(version)));
}

void HarvesterMockServer::watch(const httplib::Request& req, httplib::Response& res,
                                const std::string& ns, const std::string& selector_text) {
  auto selector = LabelSelector::parse(selector_text);
  if (!selector) {
    bad_request(res, selector.error().message);
    return;
  }
  std::string name;
  if (!name_selector(req, res, name)) return;
  std::string version_text = req.get_param_value("resourceVersion");
  std::uint64_t from = 0;
  if (!version_text.empty() && !parse_version(version_text, from)) {
    bad_request(res, "invalid resource version \"" + version_text + "\"");
    return;
  }
  long timeout = 1800;
  if (req.has_param("timeoutSeconds")) {
    timeout = std::strtol(req.get_param_value("timeoutSeconds").c_str(), nullptr, 10);
    if (timeout <= 0) timeout = 1800;
  }
  auto state = std::make_shared<WatchState>();
  state->bookmarks = req.get_param_value("allowWatchBookmarks") == "true";
  state->deadline = Clock::now() + std::chrono::seconds(timeout);
  state->next_bookmark = Clock::now() + options_.watch_bookmark_interval;

  auto seen = [ns, name, sel = *selector](const VmWatchEvent& e) -> std::optional<VmWatchEvent> {
    if (!name.empty() && e.object->spec.name != name) return std::nullopt;
    return as_seen_by(e, ns, sel);
  };
  // On the loop: what came before, and a subscription from exactly there, with nothing
  // between the two.
  on_loop([&] {
    std::uint64_t now = model_.resource_version();
    state->queue = std::make_shared<WatchQueue>(now);
    if (from == 0) {
      auto vms = model_.list(ns, selector_text);
      for (const auto& vm : *vms) {
        if (!name.empty() && vm->spec.name != name) continue;
        state->first_lines.push_back(
            line({{"type", "ADDED"}, {"object", kv::virtual_machine(as_served(*vm))}}));
      }
    } else if (auto missed = model_.changes().since(from); !missed) {
      state->first_lines.push_back(
          line({{"type", "ERROR"},
                {"object",
                 kv::status_error(410, "Expired",
                                  "too old resource version: " + version_text + " (" +
                                      std::to_string(model_.changes().oldest_resumable() + 1) + ")",
                                  "")}}));
      state->ends_after_first = true;
      return false;
    } else {
      for (const VmWatchEvent& e : *missed) {
        if (auto s = seen(e)) state->queue->push(std::move(*s), e.resource_version);
      }
    }
    std::weak_ptr<WatchQueue> queue = state->queue;
    state->subscription = model_.changes().subscribe([queue, seen](const VmWatchEvent& e) {
      if (auto q = queue.lock()) q->push(seen(e), e.resource_version);
    });
    return true;
  });

  // The media type with its stream parameter (as the API server names watch streams of
  // other encodings; clients read the type and ignore the parameter): cpp-httplib compresses
  // a plain application/json answer when the client accepts gzip or br, and a compressor
  // holds a stream's events until it ends (kubectl's delete waited for ever).
  res.set_chunked_content_provider(
      "application/json;stream=watch",
      [this, state](std::size_t, httplib::DataSink& sink) {
        auto write = [&sink](const std::string& text) {
          return sink.write(text.data(), text.size());
        };
        if (!state->first_lines.empty()) {
          for (const std::string& l : state->first_lines) {
            if (!write(l)) return false;
          }
          state->first_lines.clear();
          if (state->ends_after_first) {
            sink.done();
            return true;
          }
        }
        // Wakes at least every 200 ms to see a stopping server or a closed connection.
        auto until = std::min({state->deadline, Clock::now() + std::chrono::milliseconds(200),
                               state->bookmarks ? state->next_bookmark : Clock::time_point::max()});
        auto [events, newest] = state->queue->take(until);
        for (const VmWatchEvent& e : events) {
          json object = kv::virtual_machine(as_served(*e.object));
          if (!write(line({{"type", watch_event_type(e.type)}, {"object", std::move(object)}}))) {
            return false;
          }
        }
        auto now = Clock::now();
        if (now >= state->deadline || stopping()) {
          if (state->bookmarks && !write(bookmark(newest))) return false;
          sink.done();
          return true;
        }
        if (state->bookmarks && now >= state->next_bookmark) {
          state->next_bookmark = now + options_.watch_bookmark_interval;
          if (!write(bookmark(newest))) return false;
        }
        return sink.is_writable();
      },
      [this, state](bool) {
        if (state->subscription == 0 || stopping()) return;
        // Not waiting: the loop may be busy with a request this thread must not block. The
        // model outlives the loop's tasks; this server may not.
        loop().post(
            [&model = model_, id = state->subscription] { model.changes().unsubscribe(id); });
      });
}

}  // namespace ha
