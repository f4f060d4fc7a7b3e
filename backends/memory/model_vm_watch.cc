#include "backends/memory/model_vm_watch.h"

#include <charconv>

namespace ha {
namespace {

struct WatchState {
  EventLoop& loop;
  HarvesterModel& model;
  std::function<void(const VmChange&)> on_change;
  Done<Unit> done;
  bool active = true;
  bool delivering = false;  // on_change is running
  std::uint64_t subscription = 0;
  std::optional<EventLoop::TimerId> timer;
  Duration delay{0};  // injected: events and the end arrive this much later
  std::optional<EventLoop::TimerId> drop_timer;

  // Stops following the model; the callbacks run no more, and what they hold is let go (it
  // may hold this state: a cycle otherwise), except a running on_change, let go after it.
  void stop() {
    if (!active) return;
    active = false;
    if (subscription != 0) model.changes().unsubscribe(subscription);
    if (timer) loop.cancel(*timer);
    if (drop_timer) loop.cancel(*drop_timer);
    done = nullptr;
    if (!delivering) on_change = nullptr;
  }
};

class ModelVmWatch final : public WatchHandle {
 public:
  explicit ModelVmWatch(std::shared_ptr<WatchState> state) : state_(std::move(state)) {}
  ~ModelVmWatch() override { cancel(); }
  void cancel() override { state_->stop(); }

 private:
  std::shared_ptr<WatchState> state_;
};

VmChange::Type change_type(VmWatchEvent::Type type) {
  switch (type) {
    case VmWatchEvent::Type::kAdded:
      return VmChange::Type::kAdded;
    case VmWatchEvent::Type::kModified:
      return VmChange::Type::kModified;
    case VmWatchEvent::Type::kDeleted:
      return VmChange::Type::kDeleted;
  }
  return VmChange::Type::kModified;
}

// Hands `change` to the watcher in a task of its own, unless the watch has stopped by then.
void deliver(const std::shared_ptr<WatchState>& state, VmChange change) {
  state->loop.after(state->delay, [state, change = std::move(change)] {
    if (!state->active) return;
    state->delivering = true;
    state->on_change(change);
    state->delivering = false;
    if (!state->active) state->on_change = nullptr;  // cancelled from inside
  });
}

void end(const std::shared_ptr<WatchState>& state, Result<Unit> result) {
  state->loop.after(state->delay, [state, result = std::move(result)] {
    if (!state->active) return;
    Done<Unit> done = std::move(state->done);
    state->stop();
    done(result);
  });
}

}  // namespace

WatchFaults decide_watch_faults(FaultInjector* faults, std::string_view op, Duration span,
                                std::mt19937_64& rng) {
  WatchFaults out;
  auto f = faults ? faults->decide(op) : std::nullopt;
  if (!f) return out;
  out.delay = f->timeout ? Duration(0) : f->delay;
  if (f->error) {
    out.error = *f->error;
    out.end_after = std::chrono::duration_cast<Duration>(
        span * std::uniform_real_distribution<double>(0, 1)(rng));
  }
  return out;
}

std::unique_ptr<WatchHandle> watch_model_vms(EventLoop& loop, HarvesterModel& model,
                                             const std::string& ns,
                                             const std::string& label_selector,
                                             const std::string& resource_version, Duration timeout,
                                             std::function<void(const VmChange&)> on_change,
                                             Done<Unit> done, const WatchFaults& faults) {
  auto state = std::shared_ptr<WatchState>(
      new WatchState{loop, model, std::move(on_change), std::move(done), true, false, 0,
                     std::nullopt, faults.delay, std::nullopt});
  auto handle = std::make_unique<ModelVmWatch>(state);
  auto selector = LabelSelector::parse(label_selector);
  if (!selector) {
    end(state, make_error(selector.error().message, ErrorKind::kInvalid));
    return handle;
  }
  std::uint64_t from = 0;
  const char* text = resource_version.data();
  auto [rest, error] = std::from_chars(text, text + resource_version.size(), from);
  if (error != std::errc() || rest != text + resource_version.size()) {
    end(state,
        make_error("invalid resource version \"" + resource_version + "\"", ErrorKind::kInvalid));
    return handle;
  }
  auto missed = model.changes().since(from);
  if (!missed) {
    end(state, make_error("too old resource version: " + resource_version, ErrorKind::kGone));
    return handle;
  }
  auto seen = [ns, sel = *selector](const VmWatchEvent& e) { return as_seen_by(e, ns, sel); };
  for (const VmWatchEvent& e : *missed) {
    if (auto s = seen(e)) {
      deliver(state, {change_type(s->type), s->object, std::to_string(s->resource_version)});
    }
  }
  std::weak_ptr<WatchState> weak = state;
  state->subscription = model.changes().subscribe([weak, seen](const VmWatchEvent& e) {
    auto s = seen(e);
    auto live = weak.lock();
    if (s && live) {
      deliver(live, {change_type(s->type), s->object, std::to_string(s->resource_version)});
    }
  });
  if (faults.end_after && *faults.end_after < timeout) {
    state->drop_timer = loop.after(*faults.end_after, [weak, error = faults.error] {
      auto live = weak.lock();
      if (!live || !live->active) return;
      live->drop_timer.reset();
      end(live, error);
    });
  }
  state->timer = loop.after(timeout, [weak] {
    auto live = weak.lock();
    if (!live || !live->active) return;
    live->timer.reset();
    deliver(live,
            {VmChange::Type::kBookmark, nullptr, std::to_string(live->model.resource_version())});
    end(live, Unit{});
  });
  return handle;
}

}  // namespace ha
