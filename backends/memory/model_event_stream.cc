#include "backends/memory/model_event_stream.h"

namespace ha {
namespace {

struct StreamState {
  StreamState(EventLoop& l, NomadModel& m) : loop(l), model(m) {}
  EventLoop& loop;
  NomadModel& model;
  std::function<void(const NomadEventFrame&)> on_frame;
  Done<Unit> done;
  Duration delay{0};  // injected: frames and the end arrive this much later
  bool active = true;
  bool delivering = false;
  std::uint64_t subscription = 0;
  std::optional<EventLoop::TimerId> heartbeat_timer, drop_timer;
  Time last_sent{0};

  // Stops following the model and lets go of the callbacks (a running on_frame after it
  // returns): they may hold this state.
  void stop() {
    if (!active) return;
    active = false;
    if (subscription != 0) model.events().unsubscribe(subscription);
    if (heartbeat_timer) loop.cancel(*heartbeat_timer);
    if (drop_timer) loop.cancel(*drop_timer);
    done = nullptr;
    if (!delivering) on_frame = nullptr;
  }
};

class ModelEventStream final : public WatchHandle {
 public:
  explicit ModelEventStream(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  ~ModelEventStream() override { cancel(); }
  void cancel() override { state_->stop(); }

 private:
  std::shared_ptr<StreamState> state_;
};

void deliver(const std::shared_ptr<StreamState>& state, NomadEventFrame frame) {
  state->last_sent = state->loop.now();
  state->loop.after(state->delay, [state, frame = std::move(frame)] {
    if (!state->active) return;
    state->delivering = true;
    state->on_frame(frame);
    state->delivering = false;
    if (!state->active) state->on_frame = nullptr;  // cancelled from inside
  });
}

void end(const std::shared_ptr<StreamState>& state, Result<Unit> result) {
  state->loop.after(state->delay, [state, result = std::move(result)] {
    if (!state->active) return;
    Done<Unit> done = std::move(state->done);
    state->stop();
    done(result);
  });
}

// A heartbeat once `every` has passed without a frame, checked each `every`.
void beat(const std::weak_ptr<StreamState>& weak, Duration every) {
  auto state = weak.lock();
  if (!state || !state->active) return;
  if (state->loop.now() - state->last_sent >= every) deliver(state, {});
  Duration next = every - (state->loop.now() - state->last_sent);
  state->heartbeat_timer = state->loop.after(next, [weak, every] { beat(weak, every); });
}

}  // namespace

std::unique_ptr<WatchHandle> stream_model_events(
    EventLoop& loop, NomadModel& model, const std::vector<std::string>& topics, std::uint64_t index,
    Duration heartbeat, std::function<void(const NomadEventFrame&)> on_frame, Done<Unit> done,
    const WatchFaults& faults) {
  auto state = std::make_shared<StreamState>(loop, model);
  state->on_frame = std::move(on_frame);
  state->done = std::move(done);
  state->delay = faults.delay;
  auto handle = std::make_unique<ModelEventStream>(state);
  auto filter = NomadTopicFilter::parse(topics);
  if (!filter) {
    end(state, filter.error());
    return handle;
  }
  deliver(state, {});
  for (const NomadEventFrame& f : model.events().since(index)) {
    NomadEventFrame mine = filter->filter(f);
    if (!mine.heartbeat()) deliver(state, std::move(mine));
  }
  std::weak_ptr<StreamState> weak = state;
  state->subscription =
      model.events().subscribe([weak, filter = *filter](const NomadEventFrame& f) {
        auto live = weak.lock();
        if (!live || !live->active) return;
        NomadEventFrame mine = filter.filter(f);
        if (!mine.heartbeat()) deliver(live, std::move(mine));
      });
  if (heartbeat > Duration(0)) {
    state->heartbeat_timer = loop.after(heartbeat, [weak, heartbeat] { beat(weak, heartbeat); });
  }
  if (faults.end_after) {
    state->drop_timer = loop.after(*faults.end_after, [weak, error = faults.error] {
      auto live = weak.lock();
      if (!live || !live->active) return;
      live->drop_timer.reset();
      end(live, error);
    });
  }
  return handle;
}

}  // namespace ha
