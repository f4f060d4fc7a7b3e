// CallbackGuard: wraps callbacks handed to asynchronous calls so that they do nothing once
// their owner has stopped, restarted or been destroyed. A wrapped callback runs only if
// invalidate() was not called since it was wrapped, its owner still exists, and `running`
// (a flag of the owner) is true when it is called.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

namespace ha {

class CallbackGuard {
 public:
  template <typename F>
  auto wrap(const bool& running, F f) const {
    return [epoch = std::weak_ptr<std::uint64_t>(epoch_), mine = *epoch_, running = &running,
            f = std::move(f)](auto&&... args) mutable {
      auto e = epoch.lock();
      if (e && *e == mine && *running) f(std::forward<decltype(args)>(args)...);
    };
  }
  // Callbacks wrapped so far will do nothing.
  void invalidate() { ++*epoch_; }

 private:
  std::shared_ptr<std::uint64_t> epoch_ = std::make_shared<std::uint64_t>(0);
};

}  // namespace ha
