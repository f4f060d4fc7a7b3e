// Nomad response and request bodies, and event stream lines: every reader takes any JSON (the
// document and each element of an array) and returns a value or an error, never a crash.
#include <nlohmann/json.hpp>

#include "backends/wire/nomad_json.h"
#include "fuzz_input.h"

namespace {

void read_all(const nlohmann::json& j) {
  using namespace ha::nomad_json;
  static_cast<void>(read_node_stub(j));
  static_cast<void>(read_node(j));
  static_cast<void>(read_allocation(j));
  static_cast<void>(read_job_scale_status(j));
  static_cast<void>(read_job_list_stub(j));
  static_cast<void>(read_evaluation(j));
  static_cast<void>(read_scaling_policy_stub_id(j));
  static_cast<void>(read_scaling_policy(j));
  static_cast<void>(read_drain_request(j));
  static_cast<void>(read_scaling_request(j));
  static_cast<void>(read_event_frame(j));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto j = nlohmann::json::parse(ha::fuzz::text(data, size), nullptr, false);
  if (j.is_discarded()) return 0;
  read_all(j);
  if (j.is_array()) {
    for (const auto& e : j) read_all(e);
  }
  return 0;
}
