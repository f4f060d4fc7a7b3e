// LineBuffer: the lines of a newline-delimited stream (a Kubernetes watch, Nomad's event
// stream) out of the pieces the transport hands over, which split lines anywhere.
#pragma once

#include <string>

namespace ha {

class LineBuffer {
 public:
  // Appends `piece` and calls on_line(line) for each line it completes (without the
  // newline), in order, while on_line returns true. False when on_line stopped it.
  template <typename OnLine>
  bool feed(const std::string& piece, OnLine on_line) {
    buffer_ += piece;
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!on_line(buffer_.substr(start, nl - start))) {
        buffer_.clear();
        return false;
      }
    }
    buffer_.erase(0, start);
    return true;
  }
  // What follows the last newline (a stream's last line, when it ends without one).
  const std::string& rest() const { return buffer_; }

 private:
  std::string buffer_;
};

}  // namespace ha
