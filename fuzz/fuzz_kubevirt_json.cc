// Kubernetes/KubeVirt bodies: VirtualMachine, its list and spec readers, and merge-patch,
// take any JSON; a spec that reads back writes out and reads again to the same spec. The
// other objects' readers (image, Secret, claim, namespace, network, access review) too.
#include <nlohmann/json.hpp>

#include "backends/wire/kube_objects_json.h"
#include "backends/wire/kubevirt_json.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace kv = ha::kubevirt_json;
  auto j = nlohmann::json::parse(ha::fuzz::text(data, size), nullptr, false);
  if (j.is_discarded()) return 0;
  static_cast<void>(kv::read_virtual_machine(j));
  static_cast<void>(kv::read_virtual_machine_list(j));
  namespace kj = ha::kube_json;
  static_cast<void>(kj::read_image(j));
  static_cast<void>(kj::read_claim(j));
  static_cast<void>(kj::read_namespace(j));
  static_cast<void>(kj::read_network(j));
  static_cast<void>(kj::read_access_review(j));
  static_cast<void>(kj::read_access_review_allowed(j));
  if (auto secret = kj::read_secret(j)) {
    auto again = kj::read_secret(kj::secret(*secret));
    if (!again || again->data != secret->data) __builtin_trap();
  }
  if (auto spec = kv::read_virtual_machine_spec(j)) {
    auto again = kv::read_virtual_machine_spec(kv::virtual_machine_spec(*spec));
    if (!again || again->name != spec->name || again->labels != spec->labels) __builtin_trap();
    static_cast<void>(kv::merge_patch(kv::virtual_machine_spec(*spec), j));
  }
  return 0;
}
