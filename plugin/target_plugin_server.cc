#include "plugin/target_plugin_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "grpc_controller.grpc.pb.h"
#include "grpc_stdio.grpc.pb.h"
#include "plugins/base/proto/v1/base.grpc.pb.h"
#include "plugins/target/proto/v1/target.grpc.pb.h"

namespace ha {

// The services and their helpers, in a named namespace: TargetPluginServer::Services holds
// the services (a member of a type with internal linkage would give it internal linkage).
namespace plugin_services {

namespace base_pb = hashicorp::nomad_autoscaler::plugins::base::proto::v1;
namespace target_pb = hashicorp::nomad_autoscaler::plugins::target::proto::v1;
namespace shared_pb = hashicorp::nomad_autoscaler::plugins::shared::proto::v1;

// The autoscaler's own keys in a policy's target config (e.g. _nomad_autoscaler_grpc_timeout,
// shared/util.go): not the target's.
PluginConfig policy_config(const google::protobuf::Map<std::string, std::string>& in) {
  PluginConfig out;
  for (const auto& [key, value] : in) {
    if (key.rfind("_nomad_autoscaler", 0) != 0) out.emplace(key, value);
  }
  return out;
}

// One answer from the loop, handed to the gRPC thread that waits for it. The callback may
// come after the waiter gave up: it then fills a slot no one reads.
template <typename T>
struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<T>> value;
  void set(Result<T> r) {
    std::lock_guard<std::mutex> lock(mu);
    value = std::move(r);
    cv.notify_all();
  }
};

// Waits for `answer` until the call's deadline (none: until it comes) or its cancellation.
template <typename T>
std::optional<Result<T>> await(Answer<T>& answer, grpc::ServerContext* context) {
  std::unique_lock<std::mutex> lock(answer.mu);
  auto deadline = context->deadline();
  while (!answer.value) {
    if (context->IsCancelled()) return std::nullopt;
    auto step = std::chrono::system_clock::now() + std::chrono::milliseconds(100);
    if (deadline <= std::chrono::system_clock::now()) return std::nullopt;
    answer.cv.wait_until(lock, std::min(step, deadline));
  }
  return std::move(answer.value);
}

grpc::Status failed(const Error& e) {
  grpc::StatusCode code = e.kind == ErrorKind::kInvalid ? grpc::StatusCode::INVALID_ARGUMENT
                                                        : grpc::StatusCode::UNKNOWN;
  return {code, e.message};
}

Direction direction_of(shared_pb::ScalingDirection d) {
  switch (d) {
    case shared_pb::SCALING_DIRECTION_UP:
      return Direction::kUp;
    case shared_pb::SCALING_DIRECTION_DOWN:
      return Direction::kDown;
    default:
      return Direction::kNone;
  }
}

// nomad_autoscaler.dry_run from the action's meta: an Any holding JSON (shared/util.go).
bool meta_says_dry_run(const shared_pb::ScalingAction& action) {
  if (!action.has_meta() || action.meta().value().empty()) return false;
  auto meta = nlohmann::json::parse(action.meta().value(), nullptr, false);
  auto it = meta.is_object() ? meta.find("nomad_autoscaler.dry_run") : meta.end();
  return it != meta.end() && it->is_boolean() && it->get<bool>();
}

class BaseService final : public base_pb::BasePluginService::Service {
 public:
  BaseService(std::string name, PluginBackend& backend)
      : name_(std::move(name)), backend_(backend) {}
  grpc::Status PluginInfo(grpc::ServerContext*, const base_pb::PluginInfoRequest*,
                          base_pb::PluginInfoResponse* out) override {
    out->set_name(name_);
    out->set_type(base_pb::PLUGIN_TYPE_TARGET);
    return grpc::Status::OK;
  }
  grpc::Status SetConfig(grpc::ServerContext*, const base_pb::SetConfigRequest* in,
                         base_pb::SetConfigResponse*) override {
    std::lock_guard<std::mutex> lock(mu_);
    PluginConfig config(in->config().begin(), in->config().end());
    auto r = backend_.configure(config);
    return r ? grpc::Status::OK : failed(r.error());
  }

 private:
  std::string name_;
  PluginBackend& backend_;
  std::mutex mu_;
};

class TargetService final : public target_pb::TargetPluginService::Service {
 public:
  explicit TargetService(PluginBackend& backend) : backend_(backend) {}
  grpc::Status Status(grpc::ServerContext* context, const target_pb::StatusRequest* in,
                      target_pb::StatusResponse* out) override {
    Target* target = backend_.target();
    if (target == nullptr) return not_configured();
    auto answer = std::make_shared<Answer<TargetStatus>>();
    PluginConfig config = policy_config(in->config());
    backend_.loop().post([target, config, answer] {
      target->status(config, [answer](Result<TargetStatus> r) { answer->set(std::move(r)); });
    });
    auto r = await(*answer, context);
    if (!r) return {grpc::StatusCode::DEADLINE_EXCEEDED, "status: no answer before the deadline"};
    if (!*r) return failed(r->error());
    out->set_ready((*r)->ready);
    out->set_count((*r)->count);
    for (const auto& [key, value] : (*r)->meta) (*out->mutable_meta())[key] = value;
    return grpc::Status::OK;
  }
  grpc::Status Scale(grpc::ServerContext* context, const target_pb::ScaleRequest* in,
                     target_pb::ScaleResponse*) override {
    Target* target = backend_.target();
    if (target == nullptr) return not_configured();
    const shared_pb::ScalingAction& action = in->action();
    // The autoscaler's dry run: a count of -1 and nothing to do (sdk/strategy.go).
    if (action.count() < 0) {
      return {grpc::StatusCode::ABORTED, "dry run: nothing changed"};
    }
    ScaleRequest request;
    request.action.count = action.count();
    request.action.direction = direction_of(action.direction());
    request.action.reason = action.reason();
    request.dry_run = meta_says_dry_run(action);
    auto answer = std::make_shared<Answer<ScaleResult>>();
    PluginConfig config = policy_config(in->config());
    backend_.loop().post([target, request, config, answer] {
      target->scale(request, config,
                    [answer](Result<ScaleResult> r) { answer->set(std::move(r)); });
    });
    auto r = await(*answer, context);
    if (!r) return {grpc::StatusCode::CANCELLED, "scale: the call was cancelled"};
    if (!*r) return failed(r->error());
    if ((*r)->no_op || request.dry_run) return {grpc::StatusCode::ABORTED, (*r)->summary};
    return grpc::Status::OK;
  }

 private:
  static grpc::Status not_configured() {
    return {grpc::StatusCode::FAILED_PRECONDITION, "the plugin has no config yet (SetConfig)"};
  }
  PluginBackend& backend_;
};

class ControllerService final : public plugin::GRPCController::Service {
 public:
  explicit ControllerService(std::function<void()> on_shutdown)
      : on_shutdown_(std::move(on_shutdown)) {}
  grpc::Status Shutdown(grpc::ServerContext*, const plugin::Empty*, plugin::Empty*) override {
    std::call_once(once_, [this] {
      // After this answer is written: the host closes its connection on it.
      std::thread([f = on_shutdown_] { f(); }).detach();
    });
    return grpc::Status::OK;
  }

 private:
  std::function<void()> on_shutdown_;
  std::once_flag once_;
};

// go-plugin's stdio relay (grpc_stdio.go): a Go plugin's stdout and stderr reach the host
// over this stream. This plugin prints nothing but the handshake to stdout and logs to
// stderr, which the host reads directly, so the stream stays open and empty until the host
// leaves or the plugin stops. Served so that go-plugin hosts (v1.1.0 and later) do not warn
// "stdio service not available" at every start.
class StdioService final : public plugin::GRPCStdio::Service {
 public:
  grpc::Status StreamStdio(grpc::ServerContext* context, const google::protobuf::Empty*,
                           grpc::ServerWriter<plugin::StdioData>*) override {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_ && !context->IsCancelled()) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
    return grpc::Status::OK;
  }
  // Ends the open streams (before the server's shutdown, which would wait for them).
  void stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace plugin_services

struct TargetPluginServer::Services {
  Services(std::string name, PluginBackend& backend, std::function<void()> on_shutdown)
      : base(std::move(name), backend), target(backend), controller(std::move(on_shutdown)) {}
  plugin_services::BaseService base;
  plugin_services::TargetService target;
  plugin_services::ControllerService controller;
  plugin_services::StdioService stdio;
};

TargetPluginServer::TargetPluginServer(std::string name, PluginBackend& backend,
                                       std::function<void()> on_shutdown)
    : services_(std::make_unique<Services>(std::move(name), backend, std::move(on_shutdown))) {}

TargetPluginServer::~TargetPluginServer() {
  stop();
}

Result<int> TargetPluginServer::start(const std::string& address) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&services_->base);
  builder.RegisterService(&services_->target);
  builder.RegisterService(&services_->controller);
  builder.RegisterService(&services_->stdio);
  server_ = builder.BuildAndStart();
  if (!server_) return make_error("plugin: cannot listen on " + address);
  // go-plugin's guide for plugins not written in Go: the health service says "plugin" serves.
  server_->GetHealthCheckService()->SetServingStatus("plugin", true);
  return port;
}

void TargetPluginServer::stop() {
  services_->stdio.stop();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_.reset();
  }
}

}  // namespace ha
