// The plugin's gRPC services as HashiCorp's autoscaler calls them, with a generated client
// over a Unix socket: PluginInfo, SetConfig's errors, the autoscaler's own keys kept from
// the target, Status's deadline honoured by the server, a no-op and a dry run as ABORTED.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "backends/runtime/realtime_loop.h"
#include "grpc_stdio.grpc.pb.h"
#include "plugin/target_plugin_server.h"
#include "plugins/base/proto/v1/base.grpc.pb.h"
#include "plugins/target/proto/v1/target.grpc.pb.h"

namespace ha {
namespace {

namespace base_pb = hashicorp::nomad_autoscaler::plugins::base::proto::v1;
namespace target_pb = hashicorp::nomad_autoscaler::plugins::target::proto::v1;
namespace shared_pb = hashicorp::nomad_autoscaler::plugins::shared::proto::v1;
using namespace std::chrono_literals;

// A target that records what it is given (on the backend's loop; the test reads it under
// the lock: the answer reaches it through gRPC's threads, which TSan does not see); a
// status it never answers when told to.
class RecordingTarget final : public Target {
 public:
  Result<void> set_config(const PluginConfig&) override { return {}; }
  void status(const PluginConfig& config, StatusCallback done) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      status_config = config;
    }
    if (silent) return;
    done(TargetStatus{true, 3, {{"nomad_autoscaler.last_event", "1700000000000000000"}}});
  }
  void scale(const ScaleRequest& request, const PluginConfig& config, ScaleCallback done) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      scaled.push_back(request);
      // A scale that takes its time (VMs booting): answered when the test says so.
      if (config.count("node_group_name") && config.at("node_group_name") == "slow") {
        held = std::move(done);
        return;
      }
    }
    done(ScaleResult{request.action.count == 3, "node group web already has 3"});
  }
  std::atomic<bool> silent{false};
  std::mutex mu;
  PluginConfig status_config;
  std::vector<ScaleRequest> scaled;
  ScaleCallback held;
};

class FakeBackend final : public PluginBackend {
 public:
  Result<void> configure(const PluginConfig& config) override {
    if (config.count("harvester_url") == 0) {
      return make_error("harvester_url: missing", ErrorKind::kInvalid);
    }
    configured = true;
    return {};
  }
  Target* target() override { return configured ? &recording : nullptr; }
  EventLoop& loop() override { return loop_; }
  RealtimeLoop loop_;
  RecordingTarget recording;
  std::atomic<bool> configured{false};
};

struct TargetPluginServerTest : ::testing::Test {
  FakeBackend backend;
  std::thread loop_thread{[this] { backend.loop_.run(); }};
  std::atomic<bool> shut_down{false};
  TargetPluginServer server{"harvester", backend, [this] { shut_down = true; }};
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ha-plugin-test-" + std::to_string(::getpid()));
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<base_pb::BasePluginService::Stub> base;
  std::unique_ptr<target_pb::TargetPluginService::Stub> target;

  void SetUp() override {
    std::filesystem::create_directories(dir);
    std::string address = "unix:" + (dir / "plugin.sock").string();
    ASSERT_TRUE(server.start(address).ok());
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    base = base_pb::BasePluginService::NewStub(channel);
    target = target_pb::TargetPluginService::NewStub(channel);
  }
  void TearDown() override {
    server.stop();
    backend.loop_.stop();
    loop_thread.join();
    std::filesystem::remove_all(dir);
  }
  grpc::Status configure(std::map<std::string, std::string> config) {
    grpc::ClientContext context;
    base_pb::SetConfigRequest in;
    in.mutable_config()->insert(config.begin(), config.end());
    base_pb::SetConfigResponse out;
    return base->SetConfig(&context, in, &out);
  }
  grpc::Status status(target_pb::StatusResponse& out, std::chrono::milliseconds deadline = 5s) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    target_pb::StatusRequest in;
    (*in.mutable_config())["node_group_name"] = "web";
    (*in.mutable_config())["_nomad_autoscaler_grpc_timeout"] = "7.5s";
    return target->Status(&context, in, &out);
  }
  grpc::Status scale(std::int64_t count, shared_pb::ScalingDirection direction,
                     const std::string& meta_json = "", const std::string& group = "web") {
    grpc::ClientContext context;
    target_pb::ScaleRequest in;
    (*in.mutable_config())["node_group_name"] = group;
    in.mutable_action()->set_count(count);
    in.mutable_action()->set_direction(direction);
    if (!meta_json.empty()) in.mutable_action()->mutable_meta()->set_value(meta_json);
    target_pb::ScaleResponse out;
    return target->Scale(&context, in, &out);
  }
};

TEST_F(TargetPluginServerTest, NamesItselfATargetAndRefusesABadConfigNamingTheKey) {
  grpc::ClientContext context;
  base_pb::PluginInfoResponse info;
  ASSERT_TRUE(base->PluginInfo(&context, base_pb::PluginInfoRequest(), &info).ok());
  EXPECT_EQ(info.name(), "harvester");
  EXPECT_EQ(info.type(), base_pb::PLUGIN_TYPE_TARGET);
  target_pb::StatusResponse out;
  EXPECT_EQ(status(out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);  // no config yet
  auto refused = configure({{"auth_token", "t"}});
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "harvester_url: missing");
  EXPECT_TRUE(configure({{"harvester_url", "http://127.0.0.1:1"}}).ok());
}

TEST_F(TargetPluginServerTest, StatusKeepsTheAutoscalersKeysFromTheTarget) {
  ASSERT_TRUE(configure({{"harvester_url", "http://127.0.0.1:1"}}).ok());
  target_pb::StatusResponse out;
  ASSERT_TRUE(status(out).ok());
  EXPECT_TRUE(out.ready());
  EXPECT_EQ(out.count(), 3);
  EXPECT_EQ(out.meta().at("nomad_autoscaler.last_event"), "1700000000000000000");
  std::lock_guard<std::mutex> lock(backend.recording.mu);
  EXPECT_EQ(backend.recording.status_config, (PluginConfig{{"node_group_name", "web"}}));
}

TEST_F(TargetPluginServerTest, AStatusWithoutAnAnswerEndsAtItsDeadline) {
  ASSERT_TRUE(configure({{"harvester_url", "http://127.0.0.1:1"}}).ok());
  backend.recording.silent = true;
  target_pb::StatusResponse out;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(status(out, 300ms).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(TargetPluginServerTest, ScaleAnswersANoOpAndADryRunAsAborted) {
  ASSERT_TRUE(configure({{"harvester_url", "http://127.0.0.1:1"}}).ok());
  EXPECT_TRUE(scale(5, shared_pb::SCALING_DIRECTION_UP, R"({"nomad_policy_id":"p"})").ok());
  auto no_op = scale(3, shared_pb::SCALING_DIRECTION_DOWN);
  EXPECT_EQ(no_op.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(no_op.error_message(), "node group web already has 3");
  auto dry = scale(-1, shared_pb::SCALING_DIRECTION_NONE,
                   R"({"nomad_autoscaler.dry_run":true,"nomad_autoscaler.dry_run.count":7})");
  EXPECT_EQ(dry.error_code(), grpc::StatusCode::ABORTED);
  std::lock_guard<std::mutex> lock(backend.recording.mu);
  ASSERT_EQ(backend.recording.scaled.size(), 2u);  // the dry run reached no target
  EXPECT_EQ(backend.recording.scaled[0].action.count, 5);
  EXPECT_EQ(backend.recording.scaled[0].action.direction, Direction::kUp);
  EXPECT_FALSE(backend.recording.scaled[0].dry_run);
}

TEST_F(TargetPluginServerTest, APolicysLongScaleHoldsBackNoOtherCall) {
  ASSERT_TRUE(configure({{"harvester_url", "http://127.0.0.1:1"}}).ok());
  std::atomic<bool> slow_done{false};
  grpc::Status slow_status;
  std::thread slow([&] {
    slow_status = scale(4, shared_pb::SCALING_DIRECTION_UP, "", "slow");
    slow_done = true;
  });
  auto held = [&] {
    std::lock_guard<std::mutex> lock(backend.recording.mu);
    return static_cast<bool>(backend.recording.held);
  };
  while (!held()) std::this_thread::sleep_for(5ms);
  // Meanwhile another policy's Status and Scale are answered.
  target_pb::StatusResponse out;
  EXPECT_TRUE(status(out).ok());
  EXPECT_TRUE(scale(5, shared_pb::SCALING_DIRECTION_UP).ok());
  EXPECT_FALSE(slow_done);
  backend.loop_.post([this] {
    Target::ScaleCallback done;
    {
      std::lock_guard<std::mutex> lock(backend.recording.mu);
      done = std::move(backend.recording.held);
    }
    done(ScaleResult{false, "scaled slow to 4"});
  });
  slow.join();
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
}

// go-plugin's hosts open the stdio stream at start and read it until the plugin ends.
TEST_F(TargetPluginServerTest, TheStdioStreamStaysOpenAndEmptyUntilThePluginStops) {
  auto stdio = plugin::GRPCStdio::NewStub(channel);
  std::atomic<bool> ended{false};
  int chunks = 0;
  grpc::Status ended_with;
  std::thread reader([&] {
    grpc::ClientContext context;
    auto stream = stdio->StreamStdio(&context, google::protobuf::Empty());
    plugin::StdioData data;
    while (stream->Read(&data)) ++chunks;
    ended_with = stream->Finish();
    ended = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(ended);
  auto started = std::chrono::steady_clock::now();
  server.stop();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);  // not the 1 s grace period
  EXPECT_EQ(chunks, 0);
  EXPECT_TRUE(ended_with.ok()) << ended_with.error_message();
}

}  // namespace
}  // namespace ha
