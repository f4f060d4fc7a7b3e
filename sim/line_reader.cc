#include "sim/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace ha {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

Result<std::unique_ptr<LineReader>> LineReader::open(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(path + ": cannot open: " + std::strerror(errno));
  return std::unique_ptr<LineReader>(new LineReader(path, f));
}

LineReader::~LineReader() {
  gzclose(static_cast<gzFile>(handle_));
}

bool LineReader::next(std::string& line) {
  line.clear();
  char buf[4096];
  auto f = static_cast<gzFile>(handle_);
  while (gzgets(f, buf, sizeof buf) != nullptr) {
    line += buf;
    if (!line.empty() && line.back() == '\n') break;
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    error_ = where(std::string("read error: ") + msg);
    return false;
  }
  if (line.empty()) return false;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  ++line_;
  return true;
}

std::string LineReader::where(const std::string& reason) const {
  return path_ + ":" + std::to_string(line_) + ": " + reason;
}

}  // namespace ha
