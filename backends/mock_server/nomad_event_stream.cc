// The mock Nomad's GET /v1/event/stream, as Nomad's command/agent/event_endpoint.go serves
// it: `topic` (repeatable, TOPIC or TOPIC:KEY; none: every topic), `index` (start there, or
// at the oldest retained frame; 0 and absent: the oldest), `namespace` (absent: default and
// the events of no namespace; "*": all).
// A chunked body of newline-delimited JSON: a heartbeat {} at once, the matching retained
// frames, then each new frame as the model makes it, and a heartbeat after every
// `event_heartbeat` without a line. It runs until the client goes or the server stops.
#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "backends/mock_server/nomad_mock_replies.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/wire/nomad_json.h"

namespace ha {
namespace {

using Clock = std::chrono::steady_clock;
using nomad_mock::text_error;

// Frames from the loop's thread to the request's.
class FrameQueue {
 public:
  void push(NomadEventFrame frame) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      frames_.push_back(std::move(frame));
    }
    ready_.notify_one();
  }
  std::vector<NomadEventFrame> take(Clock::time_point until) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_until(lock, until, [this] { return !frames_.empty(); });
    std::vector<NomadEventFrame> out(std::make_move_iterator(frames_.begin()),
                                     std::make_move_iterator(frames_.end()));
    frames_.clear();
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<NomadEventFrame> frames_;
};

struct StreamState {
  std::shared_ptr<FrameQueue> queue = std::make_shared<FrameQueue>();
  std::uint64_t subscription = 0;
  bool greeted = false;  // the first heartbeat is out
  Clock::time_point next_heartbeat;
};

std::string frame_line(const NomadEventFrame& f) {
  return nomad_json::event_frame(f).dump() + "\n";
}

}  // namespace

void NomadMockServer::event_stream_route() {
  http().Get("/v1/event/stream", [this](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> topics;
    for (std::size_t i = 0; i < req.get_param_value_count("topic"); ++i) {
      topics.push_back(req.get_param_value("topic", i));
    }
    auto filter = NomadTopicFilter::parse(topics, req.get_param_value("namespace"));
    if (!filter) return text_error(res, 400, filter.error().message);
    std::uint64_t from = 0;
    if (req.has_param("index")) {
      const std::string text = req.get_param_value("index");
      try {
        std::size_t used = 0;
        from = std::stoull(text, &used);
        if (used != text.size() || text[0] == '-') throw std::invalid_argument(text);
      } catch (const std::exception&) {
        return text_error(
            res, 400,
            "Unable to parse index: strconv.ParseUint: parsing \"" + text + "\": invalid syntax");
      }
    }
    auto state = std::make_shared<StreamState>();
    state->next_heartbeat = Clock::now() + options_.event_heartbeat;
    // On the loop: the retained frames and a subscription from exactly there.
    on_loop([&] {
      for (const NomadEventFrame& f : model_.events().since(from)) {
        NomadEventFrame mine = filter->filter(f);
        if (!mine.heartbeat()) state->queue->push(std::move(mine));
      }
      std::weak_ptr<FrameQueue> queue = state->queue;
      state->subscription =
          model_.events().subscribe([queue, filter = *filter](const NomadEventFrame& f) {
            auto q = queue.lock();
            if (!q) return;
            NomadEventFrame mine = filter.filter(f);
            if (!mine.heartbeat()) q->push(std::move(mine));
          });
      return true;
    });
    // Not plain application/json: cpp-httplib would gzip it for a client that accepts gzip
    // (Go's does), and its compressor holds a stream's lines until the end.
    res.set_chunked_content_provider(
        "application/json; stream=events",
        [this, state](std::size_t, httplib::DataSink& sink) {
          auto write = [&sink](const std::string& text) {
            return sink.write(text.data(), text.size());
          };
          if (!state->greeted) {
            state->greeted = true;
            if (!write(frame_line(NomadEventFrame{}))) return false;
          }
          // Wakes at least every 200 ms to see a stopping server or a closed connection.
          auto until =
              std::min(state->next_heartbeat, Clock::now() + std::chrono::milliseconds(200));
          for (const NomadEventFrame& f : state->queue->take(until)) {
            if (!write(frame_line(f))) return false;
            state->next_heartbeat = Clock::now() + options_.event_heartbeat;
          }
          if (stopping()) {
            sink.done();
            return true;
          }
          if (Clock::now() >= state->next_heartbeat) {
            state->next_heartbeat = Clock::now() + options_.event_heartbeat;
            if (!write(frame_line(NomadEventFrame{}))) return false;
          }
          return sink.is_writable();
        },
        [this, state](bool) {
          if (state->subscription == 0 || stopping()) return;
          // Not waiting: the loop may be busy with a request this thread must not block.
          loop().post(
              [&model = model_, id = state->subscription] { model.events().unsubscribe(id); });
        });
  });
}

}  // namespace ha
