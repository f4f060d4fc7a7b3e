// What a booted guest's Nomad client takes from the VM's cloud-init user data: the client
// config the user data writes (node_class, datacenter, node_pool, meta), as the Harvester
// model registers the node. A real guest runs cloud-init, which writes the file, and Nomad
// reads it as HCL; the model reads the same settings from the text, wherever in the user
// data they are (`key = "value"` lines, and the pairs of `meta { ... }` blocks); the agent's
// `name` sets the node's Name (by default its host name).
// Settings the user data leaves out are absent: the image's own config decides them (the
// model: Nomad's defaults and the model's datacenter).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace ha {

struct GuestNomadConfig {
  std::optional<std::string> node_class, datacenter, node_pool;
  std::optional<std::string> name;  // the agent's `name`: the node's Name (else the host name)
  std::map<std::string, std::string> meta;
};

GuestNomadConfig read_guest_nomad_config(const std::string& user_data);

}  // namespace ha
