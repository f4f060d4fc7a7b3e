// The standalone mocks' fault admin endpoint: GET, PUT and DELETE /_mock/faults (outside
// every upstream API's paths) hand the method and body to a FaultAdmin (apps/fault_control.h
// gives one). It answers only peers on the loopback interface, even when the server listens
// wider, and after the server's own token check.
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace httplib {
class Server;
}  // namespace httplib

namespace ha {

inline constexpr const char* kFaultAdminPath = "/_mock/faults";

// (method, body) -> (status, JSON body).
using FaultAdmin =
    std::function<std::pair<int, std::string>(const std::string&, const std::string&)>;

// True for 127.0.0.0/8 and ::1, also written as IPv4-mapped IPv6.
bool is_loopback_peer(const std::string& remote_addr);

// Routes kFaultAdminPath to `admin` on `server`.
void add_fault_admin(httplib::Server& server, FaultAdmin admin);

}  // namespace ha
