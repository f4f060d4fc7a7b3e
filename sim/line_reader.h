// Reads a text file line by line, plain or gzip-compressed (zlib reads both), counting lines
// so that parse errors can say FILE:LINE.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace ha {

// The fields of a CSV line without quoting (the trace formats read here never quote).
std::vector<std::string> split_csv(const std::string& line);

class LineReader {
 public:
  static Result<std::unique_ptr<LineReader>> open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line without its end-of-line characters; false at the end. Errors set error().
  bool next(std::string& line);
  std::size_t line_number() const { return line_; }
  const std::string& path() const { return path_; }
  // "FILE:LINE: reason"
  std::string where(const std::string& reason) const;
  const std::string& error() const { return error_; }

 private:
  LineReader(std::string path, void* handle) : path_(std::move(path)), handle_(handle) {}
  std::string path_;
  void* handle_;  // gzFile
  std::size_t line_ = 0;
  std::string error_;
};

}  // namespace ha
