// write_recording over a ClusterRecorder on the memory model (and a VmLatencyRecorder on
// the Harvester model): the files, the scale-out latency, and with
// --anonymize's salt, a trace whose job and group names are salted pseudonyms (stable for a
// name, different under another salt) and a record.json without the address; the state
// read back as a resumable recording.
#include "agent/record/recording_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/record/anonymize.h"
#include "backends/api/vm_labels.h"
#include "backends/memory/harvester_memory_api.h"
#include "backends/memory/nomad_memory_api.h"
#include "harvester_test_cluster.h"
#include "sim/simulated_loop.h"

namespace ha {
namespace {

using namespace std::chrono_literals;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AnonymizeTest, PseudonymsAreStablePerSaltAndHideTheName) {
  std::string salt = new_anonymize_salt();
  EXPECT_EQ(salt.size(), 32u);
  EXPECT_NE(salt, new_anonymize_salt());
  std::string web = pseudonym("job", "web", salt);
  EXPECT_EQ(web, pseudonym("job", "web", salt));
  EXPECT_EQ(web.rfind("job-", 0), 0u);
  EXPECT_EQ(web.size(), 4u + 12u);
  EXPECT_NE(web, pseudonym("job", "web2", salt));
  EXPECT_NE(web, pseudonym("job", "web", "another salt"));
  EXPECT_NE(pseudonym("job", "bc", "a"), pseudonym("job", "c", "ab"));
  // SHA-256("s\0web")'s first 6 bytes (python3 hashlib): pseudonyms stay across versions.
  EXPECT_EQ(pseudonym("job", "web", "s"), "job-b4b213a8408e");
}

struct RecordingFilesTest : ::testing::Test {
  SimulatedLoop loop;
  NomadModel model{loop};
  NomadMemoryApi api{loop, model, Latency::constant(20ms)};
  // One directory per test: ctest runs this fixture's tests at once.
  std::string dir = ::testing::TempDir() + "recording-files-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();

  RecordingFilesTest() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    model.register_node({"w1", "web", "dc1", "default", 4000, 8192, {}});
  }
};

TEST_F(RecordingFilesTest, AnonymizedRecordingsNameNoJobGroupOrAddress) {
  NomadScalingPolicy nomad_policy;
  nomad_policy.job = "payroll";
  nomad_policy.group = "export";
  nomad_policy.min = 1;
  nomad_policy.max = 7;
  std::string policy_id = model.add_scaling_policy(nomad_policy);
  loop.run_until(loop.now() + 1s);
  ClusterRecorder recorder(loop, api, {"web"});
  recorder.start();
  loop.run_until(loop.now() + 1s);
  ASSERT_TRUE(model.register_job({"payroll", "batch", {{"export", 2, 500, 256, 60s}}}).ok());
  loop.run_until(loop.now() + 120s);
  std::string salt = "0123456789abcdef0123456789abcdef";
  auto written = write_recording(dir, recording_of(recorder, loop.now(), true),
                                 {"t", "web", "", "https://nomad.corp.example:4646", {}, salt});
  ASSERT_TRUE(written.ok()) << written.error().message;
  std::string trace = read(dir + "/trace.allocs.csv");
  EXPECT_EQ(trace.find("payroll"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("export"), std::string::npos) << trace;
  EXPECT_NE(trace.find("," + pseudonym("job", "payroll", salt) + "," +
                       pseudonym("group", "export", salt) + ",batch,2,500,256,60\n"),
            std::string::npos)
      << trace;
  std::string record = read(dir + "/record.json");
  EXPECT_EQ(record.find("corp.example"), std::string::npos) << record;
  EXPECT_NE(record.find("(anonymized)"), std::string::npos);

  // The state keeps the salt (and the real names): a resumed recording stays anonymized.
  auto saved = read_saved_recording(dir);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  ASSERT_TRUE(*saved);
  EXPECT_EQ((*saved)->anonymize_salt, salt);
  EXPECT_EQ((*saved)->nomad_address, "https://nomad.corp.example:4646");
  EXPECT_EQ((*saved)->node_class, "web");
  ASSERT_EQ((*saved)->policies.size(), 1u);
  EXPECT_EQ((*saved)->policies[0], dir + "/policies/cluster.hcl");
  ClusterRecorder resumed(loop, api, {"web"});
  EXPECT_TRUE(resumed.resume((*saved)->recorder).ok());

  EXPECT_FALSE(std::filesystem::exists(dir + "/nomad-policies")) << "they name jobs";

  // Without a salt, the names as they are, and Nomad's own policies kept for reference.
  ASSERT_TRUE(write_recording(dir, recording_of(recorder, loop.now(), false),
                              {"t", "web", "", "https://nomad.corp.example:4646"})
                  .ok());
  EXPECT_NE(read(dir + "/trace.allocs.csv").find(",payroll,export,batch,2,500,256,60\n"),
            std::string::npos);
  std::string policy = read(dir + "/nomad-policies/payroll.export." + policy_id + ".json");
  EXPECT_NE(policy.find("\"Max\": 7"), std::string::npos) << policy;
  EXPECT_NE(read(dir + "/record.json").find("nomad-policies/payroll.export."), std::string::npos);
}

TEST_F(RecordingFilesTest, ABrokenStateFileIsNamed) {
  std::ofstream(dir + "/record.state.json") << "{\"nomad_address\": 3}";
  auto saved = read_saved_recording(dir);
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().message.rfind(dir + "/record.state.json: ", 0), 0u)
      << saved.error().message;
  std::ofstream(dir + "/record.state.json") << "not json";
  EXPECT_EQ(read_saved_recording(dir).error().message,
            dir + "/record.state.json: not a JSON object");
  std::filesystem::remove(dir + "/record.state.json");
  auto none = read_saved_recording(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

}  // namespace
}  // namespace ha

namespace ha {
namespace {

// With Harvester read too: VMs created while recording give vm_boot (creation to Running:
// provisioning 10 s + boot 60 s) and nomad_join (Running to the node ready: 15 s); a VM
// Running before the recording teaches nothing.
TEST(VmLatencyRecorderTest, BootAndJoinOfTheVmsCreatedWhileRecording) {
  SimulatedLoop loop;
  NomadModel nomad{loop};
  HarvesterModelConfig config;
  config.provision = Latency::constant(10s);
  config.boot = Latency::constant(60s);
  config.nomad_join = Latency::constant(15s);
  HarvesterModel harvester{loop, &nomad, config};
  testing::seed_test_cluster(harvester);
  NomadMemoryApi nomad_api{loop, nomad, Latency::constant(20ms)};
  HarvesterMemoryApi harvester_api{loop, harvester, Latency::constant(20ms)};
  auto spec = [](const std::string& name) {
    VirtualMachineSpec s = testing::test_vm(name);
    s.labels = {{vm_labels::kNodeGroup, "web"}, {vm_labels::kNodeClass, "web"}};
    s.user_data =
        "#cloud-config\nwrite_files:\n  - path: /etc/nomad.d/client.hcl\n"
        "    content: 'client { node_class = \"web\" }'\n";
    return s;
  };
  ASSERT_TRUE(harvester.create(spec("before")).ok());
  loop.run_until(loop.now() + 120s);
  ClusterRecorder recorder(loop, nomad_api, {"web"});
  VmLatencyRecorder vms(loop, harvester_api, "nomad", "",
                        [&] { return recorder.cluster_time(loop.now()); });
  recorder.start();
  vms.start();
  loop.run_until(loop.now() + 1s);
  for (const char* name : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(harvester.create(spec(name)).ok());
    loop.run_until(loop.now() + 7s);
  }
  loop.run_until(loop.now() + 200s);
  auto samples = vms.samples(recorder.node_ready_times());
  ASSERT_EQ(samples.boot.size(), 4u) << "a-d; not the VM Running before";
  ASSERT_EQ(samples.join.size(), 4u);
  for (Duration d : samples.boot) EXPECT_NEAR(to_seconds(d), 70, 1.1);
  for (Duration d : samples.join) EXPECT_NEAR(to_seconds(d), 15, 1.1);

  std::string dir = ::testing::TempDir() + "recording-latency-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(write_recording(dir, recording_of(recorder, loop.now(), false, &vms),
                              {"t", "web", "", "http://127.0.0.1:4646"})
                  .ok());
  auto scenario = nlohmann::json::parse(read(dir + "/scenario.json"));
  EXPECT_EQ(scenario["cluster"]["vm_boot"], "70s") << scenario.dump();
  EXPECT_EQ(scenario["cluster"]["vm_provision"], "0s");
  EXPECT_EQ(scenario["cluster"]["nomad_join"], "15s");
  auto record = nlohmann::json::parse(read(dir + "/record.json"));
  EXPECT_EQ(record["vm_latency"]["boot_samples"], 4);

  // A resumed recording keeps them: the next run's recorder starts with them.
  auto saved = read_saved_recording(dir);
  ASSERT_TRUE(saved.ok() && *saved && (*saved)->vm_latency);
  VmLatencyRecorder next(loop, harvester_api, "nomad", "",
                         [&] { return recorder.cluster_time(loop.now()); });
  next.add_earlier(*(*saved)->vm_latency);
  auto resumed = next.samples({});
  ASSERT_EQ(resumed.boot.size(), 4u);
  ASSERT_EQ(resumed.join.size(), 4u);
  EXPECT_EQ(resumed.boot, samples.boot);
}

}  // namespace
}  // namespace ha
