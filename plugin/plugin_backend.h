// What the plugin's gRPC services need of the product: a target made from the autoscaler's
// SetConfig, and the event loop its calls run on.
#pragma once

#include "base/event_loop.h"
#include "base/result.h"
#include "engine/plugin_config.h"
#include "engine/target.h"

namespace ha {

class PluginBackend {
 public:
  virtual ~PluginBackend() = default;
  // SetConfig: the agent file's target config (connection settings), called before any
  // Status or Scale, and again on the autoscaler's reload. The error names the key.
  // Called on a gRPC thread, never concurrently with itself.
  virtual Result<void> configure(const PluginConfig& config) = 0;
  // The target, once configure succeeded (null before). Its calls are made on loop().
  virtual Target* target() = 0;
  virtual EventLoop& loop() = 0;
};

}  // namespace ha
