// Completion callbacks of the asynchronous backend interfaces. Contract for every backend
// call: `done` is called exactly once, on the EventLoop the backend was built with, never
// from inside the call itself.
#pragma once

#include <functional>

#include "base/result.h"

namespace ha {

template <typename T>
using Done = std::function<void(Result<T>)>;

struct Unit {};  // the value of calls that return nothing

// A running watch or stream. cancel() (or destroying the handle) stops it: after that,
// neither of its callbacks runs. Used on the backend's loop only.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
  virtual void cancel() = 0;
};

}  // namespace ha
