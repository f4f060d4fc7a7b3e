#include "backends/runtime/text_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace ha {

Result<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return make_error(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(path + ": read error");
  return text.str();
}

Result<std::string> read_token_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  const char* space = " \t\r\n";
  auto first = text->find_first_not_of(space);
  if (first == std::string::npos) {
    return make_error(path + ": the token file is empty", ErrorKind::kInvalid);
  }
  return text->substr(first, text->find_last_not_of(space) - first + 1);
}

Result<std::size_t> write_text_file_atomically(const std::string& path, const std::string& text) {
  std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return make_error(temporary + ": cannot create: " + std::strerror(errno));
    out << text;
    out.flush();
    if (!out) return make_error(temporary + ": write error: " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return make_error(path + ": cannot replace: " + ec.message());
  return text.size();
}

}  // namespace ha
