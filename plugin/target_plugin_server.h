// The Nomad Autoscaler's target plugin protocol over gRPC (go-plugin): BasePluginService
// (PluginInfo, SetConfig), TargetPluginService (Status, Scale) and go-plugin's
// GRPCController (Shutdown) and GRPCStdio (an open, empty stream), with the standard
// health service reporting "plugin" serving.
//
// Contract, as HashiCorp's autoscaler calls a target plugin (plugins/target/client.go,
// plugins/manager/manager.go at nomad-autoscaler ede4e617):
//  - PluginInfo names the driver ("harvester") and PLUGIN_TYPE_TARGET; the autoscaler
//    refuses a plugin whose name is not its `driver`.
//  - Status and Scale take the policy's target config plus the autoscaler's own
//    `_nomad_autoscaler_*` keys, which are dropped before the target sees the config.
//    Status honours the call's deadline (DEADLINE_EXCEEDED after it); Scale has none.
//  - Scale with count -1 (the autoscaler's dry run) changes nothing and says so; a Scale
//    that finds nothing to do answers ABORTED, which the autoscaler takes as a no-op
//    (no cooldown follows).
//  - ScalingAction.meta is an Any whose value is JSON (empty type URL), as upstream
//    encodes it; it is read for nomad_autoscaler.dry_run only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "plugin/plugin_backend.h"

namespace grpc {
class Server;
class ServerBuilder;
}  // namespace grpc

namespace ha {

class TargetPluginServer {
 public:
  // `on_shutdown` is called (once, on a gRPC thread, after the answer is on its way) when
  // the host asks the plugin to end (GRPCController/Shutdown).
  TargetPluginServer(std::string name, PluginBackend& backend, std::function<void()> on_shutdown);
  ~TargetPluginServer();
  TargetPluginServer(const TargetPluginServer&) = delete;
  TargetPluginServer& operator=(const TargetPluginServer&) = delete;

  // Listens on `address` (gRPC's form: "unix:/path" or "127.0.0.1:port"; port 0 picks
  // one) without TLS, as go-plugin's hosts connect. Returns the port bound (0 for a
  // socket) or why it could not.
  Result<int> start(const std::string& address);
  // Stops serving: calls in flight are cancelled.
  void stop();

 private:
  struct Services;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace ha
