// How the memory backends answer a call: after a sampled API latency, on the event loop,
// apply the change to the model and report its result, unless the fault injector fails
// the call (then the model is left untouched, unless the fault says the change was made and
// only its answer was lost).
#pragma once

#include <functional>
#include <random>
#include <string>

#include "backends/api/async.h"
#include "backends/memory/faults.h"
#include "backends/memory/latency.h"
#include "base/event_loop.h"

namespace ha {

class ModelCaller {
 public:
  ModelCaller(EventLoop& loop, Latency latency, FaultInjector* faults, std::uint64_t seed)
      : loop_(loop), latency_(latency), faults_(faults), rng_(seed) {}

  template <typename T>
  void call(std::string op, std::function<Result<T>()> apply, Done<T> done) {
    Duration delay = latency_.sample(rng_);
    std::optional<InjectedFault> fault;
    if (faults_ != nullptr) fault = faults_->decide(op);
    if (fault) delay = fault->timeout ? fault->delay : delay + fault->delay;
    if (fault && fault->error) {
      loop_.after(delay, [apply = std::move(apply), done = std::move(done), f = *fault] {
        if (f.applied) static_cast<void>(apply());
        done(*f.error);
      });
      return;
    }
    loop_.after(delay, [apply = std::move(apply), done = std::move(done)] { done(apply()); });
  }

  void set_latency(Latency latency) { latency_ = latency; }

 private:
  EventLoop& loop_;
  Latency latency_;
  FaultInjector* faults_;
  std::mt19937_64 rng_;
};

}  // namespace ha
