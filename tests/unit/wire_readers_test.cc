// What fuzzing found in the readers of wire formats and files (Kubernetes and Nomad JSON,
// Prometheus answers, policies): each case now an error naming the field, or a value kept as
// written, never an exception or undefined behaviour (the UBSan job runs these too).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backends/http/prometheus_source.h"
#include "backends/wire/kubevirt_json.h"
#include "backends/wire/nomad_json.h"
#include "engine/policy/policy_parser.h"

namespace ha {
namespace {

// creationTimestamp: RFC 3339 in the range loop time can hold; anything else is an error
// naming the field, never an overflow (a fuzzing finding: year 1013).
TEST(KubevirtJson, CreationTimestampsOutOfRangeOrMalformedAreErrors) {
  auto vm = [](const std::string& ts) {
    nlohmann::json j = {{"apiVersion", "kubevirt.io/v1"},
                        {"kind", "VirtualMachine"},
                        {"metadata", {{"name", "web-1"}, {"creationTimestamp", ts}}},
                        {"spec", {{"running", true}}}};
    return kubevirt_json::read_virtual_machine(j);
  };
  auto ok = vm("2026-12-01T10:00:00.25Z");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->creation_time, std::chrono::seconds(1796119200));
  // A day before the epoch round-trips (emulate's initial VMs at loop time -24h).
  VirtualMachine before_epoch = *ok;
  before_epoch.creation_time = -std::chrono::hours(24);
  nlohmann::json served = kubevirt_json::virtual_machine(before_epoch);
  EXPECT_EQ(served["metadata"]["creationTimestamp"], "1969-12-31T00:00:00Z");
  auto early = kubevirt_json::read_virtual_machine(served);
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_EQ(early->creation_time, -std::chrono::hours(24));
  for (const char* bad : {"1013-12-01T10:00:00Z", "1899-12-31T23:59:59Z", "9999-01-01T00:00:00Z",
                          "yesterday", "2026-12-01T10:00:00+01:00"}) {
    auto r = vm(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("creationTimestamp"), std::string::npos);
  }
}

// Whole-number fields with a float, a too-large or a negative value for an index are errors
// naming the field (a float such as 6e32 used to convert with undefined behaviour: fuzzing).
TEST(NomadJson, WholeNumberFieldsOutOfRangeAreErrors) {
  auto drain = [](nlohmann::json deadline) {
    return nomad_json::read_drain_request({{"DrainSpec", {{"Deadline", deadline}}}});
  };
  ASSERT_TRUE(drain(60000000000LL).ok());
  for (const nlohmann::json& bad :
       {nlohmann::json(6e32), nlohmann::json(1.5), nlohmann::json(18446744073709551615ULL)}) {
    auto r = drain(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("Deadline"), std::string::npos) << r.error().message;
  }
  auto stub = nomad_json::read_node_stub({{"ID", "n1"},
                                          {"Name", "n"},
                                          {"Status", "ready"},
                                          {"SchedulingEligibility", "eligible"},
                                          {"CreateIndex", -1}});
  ASSERT_FALSE(stub.ok());
  EXPECT_NE(stub.error().message.find("CreateIndex"), std::string::npos);
}

// More fuzzing findings, each now an error naming the field (or, for a policy attribute,
// a value kept as written), never an exception or undefined behaviour (the UBSan job runs
// this too).
TEST(FuzzFindings, WrongTypesAndHugeNumbersAreHandled) {
  nlohmann::json vm = {{"apiVersion", "kubevirt.io/v1"},
                       {"kind", "VirtualMachine"},
                       {"metadata", {{"name", "web-1"}}},
                       {"spec", {{"running", "yes"}}}};
  auto r = kubevirt_json::read_virtual_machine(vm);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("spec.running"), std::string::npos);
  // Cores outside the uint32 the API server decodes them into, and quantities no int64 holds
  // in millicores (1.7e70 cores used to be cast to int64 when written).
  for (auto [path, value] :
       {std::pair{"/spec/template/spec/domain/cpu/cores", nlohmann::json(1.7e70)},
        std::pair{"/spec/template/spec/domain/cpu/cores", nlohmann::json(-2)},
        std::pair{"/spec/template/spec/domain/resources/limits/cpu", nlohmann::json("1e70")},
        std::pair{"/spec/template/spec/domain/memory/guest", nlohmann::json(1e300)}}) {
    nlohmann::json huge = vm;
    huge["spec"] = {{"running", true}};
    huge[nlohmann::json::json_pointer(path)] = value;
    auto h = kubevirt_json::read_virtual_machine(huge);
    ASSERT_FALSE(h.ok()) << path << " " << value;
    EXPECT_NE(h.error().message.find("out of range"), std::string::npos) << h.error().message;
  }

  auto p = PrometheusSource::read_response(
      "up", R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{},"values":[[63400000000000,"1"]]}]}})");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("out of range"), std::string::npos) << p.error().message;
  auto wrong = PrometheusSource::read_response("up", R"({"status": {"resultType": "vector"}})");
  ASSERT_FALSE(wrong.ok());  // a status that is not a string used to throw
  EXPECT_NE(wrong.error().message.find("status is not success"), std::string::npos);

  Diagnostics diags;
  auto policies = parse_policies(
      R"({"scaling": {"p": {"min": 1, "max": 2, "policy": {
           "check": {"c": {"query": "q", "strategy": {"target-value": {"target": 1e25}}}},
           "target": {"harvester": {"node_group_name": "g", "node_class": "g"}}}}}})",
      "p.json", diags);
  ASSERT_EQ(policies.size(), 1u) << (diags.empty() ? "" : diags[0].to_string());
  EXPECT_EQ(policies[0].checks[0].strategy.config.at("target"), "1e+25");
}

}  // namespace
}  // namespace ha
