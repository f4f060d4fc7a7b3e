#include "agent/record/starting_policy.h"

namespace ha {

std::string starting_policy(const std::string& node_class) {
  return "# Written by `harvester-autoscaler record` as a starting point: Nomad client VMs of\n"
         "# the class \"" +
         node_class +
         "\" kept at 70% of allocated cpu and memory. Tune it with sweep.\n"
         "scaling \"" +
         node_class +
         "-cluster\" {\n"
         "  enabled = true\n"
         "  min     = 1\n"
         "  max     = 1000\n\n"
         "  policy {\n"
         "    cooldown            = \"2m\"\n"
         "    evaluation_interval = \"1m\"\n\n"
         "    check \"cpu_allocated\" {\n"
         "      source = \"nomad-apm\"\n"
         "      query  = \"percentage-allocated_cpu\"\n"
         "      strategy \"target-value\" {\n"
         "        target = 70\n"
         "      }\n"
         "    }\n\n"
         "    check \"memory_allocated\" {\n"
         "      source = \"nomad-apm\"\n"
         "      query  = \"percentage-allocated_memory\"\n"
         "      strategy \"target-value\" {\n"
         "        target = 70\n"
         "      }\n"
         "    }\n\n"
         "    target \"harvester\" {\n"
         "      node_class      = \"" +
         node_class +
         "\"\n"
         "      node_group_name = \"" +
         node_class +
         "\"\n"
         "    }\n"
         "  }\n"
         "}\n";
}

}  // namespace ha
