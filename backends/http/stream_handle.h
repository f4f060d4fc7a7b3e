// StreamHandle: the WatchHandle of a stream read over HTTP (a Kubernetes watch, Nomad's
// event stream). Its state is shared with the transport's callbacks; cancel() marks it
// ended (no callback runs after) and sets the transport's flag, which stops the transfer.
#pragma once

#include <atomic>
#include <memory>

#include "backends/api/async.h"

namespace ha {

// State has `bool ended` and `std::shared_ptr<std::atomic<bool>> cancelled`.
template <typename State>
class StreamHandle final : public WatchHandle {
 public:
  explicit StreamHandle(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ~StreamHandle() override { cancel(); }
  void cancel() override {
    state_->ended = true;
    if (state_->cancelled) state_->cancelled->store(true);
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ha
