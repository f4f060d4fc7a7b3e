#include "backends/mock_server/mock_admin.h"

#include <httplib.h>

namespace ha {

bool is_loopback_peer(const std::string& remote_addr) {
  std::string a = remote_addr;
  const std::string mapped = "::ffff:";
  if (a.rfind(mapped, 0) == 0) a = a.substr(mapped.size());
  return a == "::1" || a.rfind("127.", 0) == 0;
}

void add_fault_admin(httplib::Server& server, FaultAdmin admin) {
  auto handle = [admin = std::move(admin)](const httplib::Request& req, httplib::Response& res) {
    if (!is_loopback_peer(req.remote_addr)) {
      res.status = 403;
      res.set_content(R"({"errors":["the fault admin endpoint answers loopback peers only"]})",
                      "application/json");
      return;
    }
    auto [status, body] = admin(req.method, req.body);
    res.status = status;
    res.set_content(body, "application/json");
  };
  server.Get(kFaultAdminPath, handle);
  server.Put(kFaultAdminPath, handle);
  server.Delete(kFaultAdminPath, handle);
}

}  // namespace ha
