// Helpers for the libFuzzer targets: the input as text, or as a file (an anonymous memory
// file, for readers that take a path).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ha::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input in a memory file; path() names it for as long as this object lives.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size, const char* suffix = "") {
    fd_ = memfd_create("fuzz-input", 0);
    if (fd_ < 0) return;
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = write(fd_, data + done, size - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_) + suffix;
  }
  ~MemoryFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace ha::fuzz
