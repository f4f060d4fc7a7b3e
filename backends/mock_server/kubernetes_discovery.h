// The discovery part of the Kubernetes API the mock Harvester serves, so that unmodified
// clients (kubectl) find what it serves: /version, /api, /api/v1, /apis,
// each group version (kubevirt.io, subresources.kubevirt.io, harvesterhci.io, k8s.cni.cncf.io,
// storage.k8s.io, authorization.k8s.io), OpenAPI v3 with an open VirtualMachine schema, and a
// minimal OpenAPI v2 document in protobuf.
#pragma once

namespace httplib {
class Server;
}  // namespace httplib

namespace ha {

void add_kubernetes_discovery(httplib::Server& server);

}  // namespace ha
