#include "backends/memory/guest_nomad_config.h"

#include <regex>

namespace ha {

GuestNomadConfig read_guest_nomad_config(const std::string& user_data) {
  static const std::regex kSetting(
      R"re((^|[\s{])(node_class|datacenter|node_pool|name)\s*=\s*"([^"]*)")re");
  static const std::regex kMetaBlock(R"re(\bmeta\s*(=\s*)?\{([^}]*)\})re");
  static const std::regex kPair(R"re("?([A-Za-z0-9_.\-/]+)"?\s*=\s*"([^"]*)")re");
  GuestNomadConfig out;
  for (std::sregex_iterator it(user_data.begin(), user_data.end(), kSetting), end; it != end;
       ++it) {
    const std::string key = (*it)[2];
    auto& field = key == "node_class"   ? out.node_class
                  : key == "datacenter" ? out.datacenter
                  : key == "node_pool"  ? out.node_pool
                                        : out.name;
    field = (*it)[3].str();
  }
  for (std::sregex_iterator it(user_data.begin(), user_data.end(), kMetaBlock), end; it != end;
       ++it) {
    const std::string body = (*it)[2];
    for (std::sregex_iterator p(body.begin(), body.end(), kPair); p != end; ++p) {
      out.meta[(*p)[1]] = (*p)[2];
    }
  }
  return out;
}

}  // namespace ha
