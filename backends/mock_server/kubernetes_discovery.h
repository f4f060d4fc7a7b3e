// The discovery part of the Kubernetes API the mock Harvester serves, so that unmodified
// clients (kubectl) find kubevirt.io/v1 VirtualMachines: /version, /api, /api/v1, /apis,
// /apis/kubevirt.io/v1, OpenAPI v3 with an open VirtualMachine schema, and a minimal
// OpenAPI v2 document in protobuf.
#pragma once

namespace httplib {
class Server;
}  // namespace httplib

namespace ha {

void add_kubernetes_discovery(httplib::Server& server);

}  // namespace ha
