#include "backends/mock_server/write_log.h"

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

namespace ha {

Result<std::unique_ptr<WriteLog>> WriteLog::open(const std::string& path, bool reads) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return make_error(path + ": cannot write: " + std::strerror(errno));
  return std::unique_ptr<WriteLog>(new WriteLog(std::move(out), reads));
}

void WriteLog::record(const std::string& api, const std::string& method, const std::string& target,
                      int status, const std::string& client) {
  if (!reads_ && (method == "GET" || method == "HEAD")) return;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  nlohmann::json line = {{"at_ms", ms},      {"api", api},       {"method", method},
                         {"target", target}, {"status", status}, {"client", client}};
  std::lock_guard lock(mu_);
  out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
}

}  // namespace ha
