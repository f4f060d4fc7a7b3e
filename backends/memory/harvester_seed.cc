#include "backends/memory/harvester_seed.h"

namespace ha {
namespace {

std::pair<std::string, std::string> split_id(const std::string& id, const std::string& ns) {
  auto slash = id.find('/');
  if (slash == std::string::npos) return {ns, id};
  return {id.substr(0, slash), id.substr(slash + 1)};
}

}  // namespace

void seed_group_objects(HarvesterModel& model, const std::string& ns, const std::string& image,
                        const std::string& network, std::int64_t image_bytes) {
  model.add_namespace(ns);
  if (!image.empty()) {
    auto [image_ns, image_name] = split_id(image, ns);
    if (!model.get_image(image_ns, image_name)) {
      VmImage i;
      i.meta.namespace_ = image_ns;
      i.meta.name = image_name;
      i.display_name = image_name;
      i.url = "https://images.example/" + image_name + ".qcow2";
      i.imported = true;
      i.size_bytes = image_bytes / 4;
      i.virtual_size_bytes = image_bytes;
      model.add_image(i);
    }
  }
  if (!network.empty()) {
    auto [net_ns, net_name] = split_id(network, ns);
    if (!model.get_network(net_ns, net_name)) {
      NetworkAttachment n;
      n.meta.namespace_ = net_ns;
      n.meta.name = net_name;
      n.meta.labels = {{"network.harvesterhci.io/clusternetwork", "mgmt"},
                       {"network.harvesterhci.io/type", "L2VlanNetwork"}};
      n.config = R"({"cniVersion":"0.3.1","name":")" + net_name +
                 R"(","type":"bridge","bridge":"mgmt-br","promiscMode":true,"ipam":{}})";
      model.add_network(n);
    }
  }
}

}  // namespace ha
