// VmView: an immutable list of one group's VMs with their positions by name, shared by the
// snapshots that read it. A cache builds one per change (when asked for), a list one per
// list; the name index is built once per view, not once per reader.
#pragma once

#include <string_view>

#include "backends/api/harvester_api.h"
#include "engine/cache/name_index.h"

namespace ha {

class VmView {
 public:
  explicit VmView(VmList vms);
  const VmList& vms() const { return vms_; }
  // Names are unique within a namespace, and a view holds one namespace.
  const VirtualMachine* named(std::string_view name) const;

 private:
  VmList vms_;
  NameIndex by_name_;
};

}  // namespace ha
