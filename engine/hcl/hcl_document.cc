// Places in HCL text and in hcl::Document (hcl.h), the UTF-8 check every parse starts with,
// and UTF-8 encoding.
#include <cstdint>
#include <cstdlib>

#include "base/json_pointer.h"
#include "engine/hcl/hcl.h"
#include "engine/hcl/hcl_scanner.h"

namespace ha::hcl {

using nlohmann::json;

// Where `text` stops being UTF-8 (HCL files are UTF-8, and every string read must be valid
// to be written out again as JSON: fuzzing finding), or npos.
std::size_t first_invalid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > text.size()) return i;
    std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3F);
    }
    bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n;
  }
  return std::string_view::npos;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

Position position_at(std::string_view text, std::size_t byte) {
  Position at;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++at.column;
    }
  }
  return at;
}

Position Document::position_of(const std::string& pointer) const {
  std::string p = pointer == "/" ? "" : pointer;
  while (true) {
    auto it = positions.find(p);
    if (it != positions.end()) return it->second;
    auto slash = p.rfind('/');
    if (slash == std::string::npos) return {1, 1};
    p.erase(slash);
  }
}

std::string Document::path_of(const std::string& pointer) const {
  std::string out;
  const json* node = &value;
  for (const std::string& token : pointer_tokens(pointer)) {
    if (node != nullptr && node->is_array()) {
      out += "[" + token + "]";
      std::size_t index = std::strtoul(token.c_str(), nullptr, 10);
      node = index < node->size() ? &(*node)[index] : nullptr;
    } else {
      out += (out.empty() ? "" : ".") + token;
      node =
          node != nullptr && node->is_object() && node->contains(token) ? &(*node)[token] : nullptr;
    }
  }
  return out;
}

}  // namespace ha::hcl
