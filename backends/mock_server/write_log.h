// WriteLog: the mock servers' record of every request that may change something (any method
// but GET and HEAD; or, opened with `reads`, every request), one JSON object per line as it
// is answered, for tests that check which client changed what, and when:
//   {"at_ms": wall-clock Unix milliseconds, "api": "nomad" | "harvester", "method",
//    "target": the path and query, "status", "client": the User-Agent}
// Headers other than the User-Agent (tokens) are never written. Thread-safe.
#pragma once

#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

namespace ha {

class WriteLog {
 public:
  // Creates (truncates) the file; an error names it.
  static Result<std::unique_ptr<WriteLog>> open(const std::string& path, bool reads = false);

  void record(const std::string& api, const std::string& method, const std::string& target,
              int status, const std::string& client);

 private:
  WriteLog(std::ofstream out, bool reads) : reads_(reads), out_(std::move(out)) {}
  const bool reads_;
  std::mutex mu_;
  std::ofstream out_;
};

}  // namespace ha
