// NomadHttpApi::stream_events: Nomad's event stream over HTTP, read as it arrives. Each line
// is a frame {"Index", "Events"} or a heartbeat {}; what cannot be read (an event, or a
// line that is not a frame) reaches the reader in a frame's `skipped`, naming the endpoint
// and the index, and the stream goes on.
#include <atomic>

#include "backends/http/http_response.h"
#include "backends/http/line_buffer.h"
#include "backends/http/nomad_http_api.h"
#include "backends/http/stream_handle.h"
#include "backends/wire/nomad_json.h"

namespace ha {
namespace {

struct HttpStreamState {
  std::string where;
  std::function<void(const NomadEventFrame&)> on_frame;
  Done<Unit> done;
  LineBuffer lines;
  std::uint64_t last_index = 0;
  bool ended = false;
  std::shared_ptr<std::atomic<bool>> cancelled;

  void finish(Result<Unit> result) {
    if (ended) return;
    ended = true;
    if (cancelled) cancelled->store(true);
    done(std::move(result));
  }

  // One line; false when it ended the stream.
  bool line(const std::string& text) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) return true;
    NomadEventFrame frame = nomad_json::read_event_line(text, last_index, where);
    if (frame.index > 0) last_index = frame.index;
    on_frame(frame);
    return !ended;  // on_frame may have cancelled the stream
  }
};

}  // namespace

std::unique_ptr<WatchHandle> NomadHttpApi::stream_events(
    const std::vector<std::string>& topics, std::uint64_t index,
    std::function<void(const NomadEventFrame&)> on_frame, Done<Unit> done) {
  auto state = std::make_shared<HttpStreamState>();
  const std::string path = "/v1/event/stream";
  state->where = "GET " + path;
  state->on_frame = std::move(on_frame);
  state->done = std::move(done);
  std::string query = "namespace=*";
  for (const std::string& t : topics) query += "&topic=" + url_escape(t);
  if (index > 0) query += "&index=" + std::to_string(index);
  HttpRequest r = request("GET", path, query, "");
  r.headers["Accept"] = "application/json";
  state->cancelled = transport_.stream(
      std::move(r), options_.stream_limit,
      [state](std::string piece) {
        if (state->ended) return;
        state->lines.feed(piece, [&state](const std::string& l) { return state->line(l); });
      },
      [state](Result<HttpResponse> res) {
        if (state->ended) return;
        if (!res) return state->finish(res.error());
        if (res->status < 200 || res->status >= 300) {
          return state->finish(json_answer(std::move(res), state->where).error());
        }
        if (!state->lines.rest().empty() && !state->line(state->lines.rest())) return;
        state->finish(Unit{});
      });
  return std::make_unique<StreamHandle<HttpStreamState>>(state);
}

}  // namespace ha
