// Injected API faults in the mock servers (a scenario's `faults` under mock-cluster and
// emulate; --faults or /_mock/faults in mock-nomad and mock-harvester): each request is
// named as the memory backends name the call ("create_vm", "drain_node", ...), the injector
// decides, and the server answers as a failing upstream would: 503, 409, 404, or 504 after
// hanging for the timeout; a latency spike only delays; an `applied` fault lets the request
// change the model and then answers with the error.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "backends/memory/faults.h"

namespace ha {

// The HTTP status a failing server answers an injected error with.
inline int status_for_fault(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kTimeout:
      return 504;
    case ErrorKind::kGone:
      return 410;
    default:
      return 503;
  }
}

// Marks a response whose request was applied but must be answered with an error; the
// post-routing handler replaces it (see finish_applied_fault).
inline constexpr const char* kAppliedFaultHeader = "X-Mock-Injected-Fault";

// Called first in a pre-routing handler. Returns the error to answer now (status and
// message), or nullopt to go on routing; sleeps for latency spikes and timeouts, which are
// in model time: `speed` model seconds pass per wall second.
inline std::optional<std::pair<int, std::string>> decide_mock_fault(FaultInjector* faults,
                                                                    const std::string& op,
                                                                    httplib::Response& res,
                                                                    double speed) {
  if (faults == nullptr || op.empty()) return std::nullopt;
  auto fault = faults->decide(op);
  if (!fault) return std::nullopt;
  if (fault->delay.count() > 0) {
    std::this_thread::sleep_for(
        std::chrono::duration<double>(std::chrono::duration<double>(fault->delay).count() / speed));
  }
  if (!fault->error) return std::nullopt;
  int status = status_for_fault(*fault->error);
  if (fault->applied) {
    res.set_header(kAppliedFaultHeader, std::to_string(status) + " " + fault->error->message);
    return std::nullopt;
  }
  return std::pair{status, fault->error->message};
}

// Called in the post-routing handler: an applied fault's response becomes the error.
// `answer` writes the error body in the server's upstream shape.
inline void finish_applied_fault(
    httplib::Response& res,
    const std::function<void(httplib::Response&, int, const std::string&)>& answer) {
  if (!res.has_header(kAppliedFaultHeader)) return;
  std::string v = res.get_header_value(kAppliedFaultHeader);
  res.headers.erase(kAppliedFaultHeader);
  auto space = v.find(' ');
  answer(res, std::stoi(v.substr(0, space)), v.substr(space + 1));
  // httplib has set Content-Length for the body the route wrote; the error body differs.
  res.headers.erase("Content-Length");
  res.set_header("Content-Length", std::to_string(res.body.size()));
}

}  // namespace ha
