// The Nomad job target (upstream's nomad-target) over both backends: the count, the newest
// scaling event as last_event (an operator's `nomad job scale` starts the cooldown too),
// and an active deployment as nothing to do.
#include <gtest/gtest.h>

#include "base/log.h"
#include "engine/nomad/nomad_job_target.h"
#include "forwarding_nomad_api.h"
#include "nomad_contract_fixture.h"

namespace ha {
namespace {

const PluginConfig kApi{{"Job", "api"}, {"Group", "g"}, {"Namespace", "default"}};

class NomadJobTargetContract : public testing::NomadContract {
 protected:
  Result<TargetStatus> status(Target& t) {
    return sync<TargetStatus>([&t](NomadApi&, Done<TargetStatus> d) {
      t.status(kApi, [d](auto r) { d(std::move(r)); });
    });
  }
  NullLogger log;
};

TEST_P(NomadJobTargetContract, LastEventIsTheNewestScalingEventWhoeverMadeIt) {
  NomadJobTarget target(backend->loop(), backend->api(), log);
  auto before = status(target);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_EQ(before->count, 2);
  EXPECT_FALSE(before->meta.contains(kTargetMetaLastEvent));
  // Someone else scales the group (`nomad job scale api g 3`).
  ASSERT_TRUE(sync<Unit>([](NomadApi& api, Done<Unit> d) {
                api.scale_job("api", "g", 3, "operator", "default", d);
              }).ok());
  auto after = status(target);
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_TRUE(after->meta.contains(kTargetMetaLastEvent));
  EXPECT_GE(std::stoll(after->meta.at(kTargetMetaLastEvent)), 0);
  EXPECT_EQ(after->count, 3);
}

TEST_P(NomadJobTargetContract, AnActiveDeploymentIsNothingToDo) {
  struct Deploying : testing::ForwardingNomadApi {
    using ForwardingNomadApi::ForwardingNomadApi;
    void scale_job(const std::string&, const std::string&, std::int64_t, const std::string&,
                   const std::string&, Done<Unit> d) override {
      // Nomad's answer (nomad/job_endpoint.go Scale) while a deployment runs.
      d(make_error("job scaling blocked due to active deployment", ErrorKind::kInvalid));
    }
  } deploying(backend->api());
  NomadJobTarget target(backend->loop(), deploying, log);
  ScaleRequest r;
  r.action.count = 4;
  auto result = sync<ScaleResult>([&](NomadApi&, Done<ScaleResult> d) {
    target.scale(r, kApi, [d](auto x) { d(std::move(x)); });
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->no_op);
  EXPECT_NE(result->summary.find("due to active deployment"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, NomadJobTargetContract, ::testing::Values("memory", "http"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ha
