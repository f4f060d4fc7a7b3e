// JSON pointers (RFC 6901), the way every reader names a place in a document.
#pragma once

#include <string>
#include <vector>

namespace ha {

// Appends one reference token to `out`, escaped ("a/b" -> "a~1b", "~" -> "~0").
inline void append_pointer_token(std::string& out, const std::string& token) {
  if (token.find_first_of("~/") == std::string::npos) {
    out.append(token);
    return;
  }
  for (char c : token) {
    if (c == '~') {
      out.append("~0");
    } else if (c == '/') {
      out.append("~1");
    } else {
      out.push_back(c);
    }
  }
}

inline std::string pointer_token(const std::string& token) {
  std::string out;
  append_pointer_token(out, token);
  return out;
}

// `pointer` extended by one token (readers build one per key they look at: one allocation).
inline std::string pointer_child(const std::string& pointer, const std::string& token) {
  std::string out;
  out.reserve(pointer.size() + token.size() + 1);
  out.append(pointer).push_back('/');
  append_pointer_token(out, token);
  return out;
}

// The unescaped tokens of `pointer` ("" and "/" are the document itself: none).
inline std::vector<std::string> pointer_tokens(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty() || pointer == "/") return out;
  for (std::size_t i = 0; i < pointer.size() && pointer[i] == '/';) {
    std::size_t end = pointer.find('/', i + 1);
    if (end == std::string::npos) end = pointer.size();
    std::string token;
    for (std::size_t k = i + 1; k < end; ++k) {
      if (pointer[k] == '~' && k + 1 < end && (pointer[k + 1] == '0' || pointer[k + 1] == '1')) {
        token += pointer[++k] == '1' ? '/' : '~';
      } else {
        token += pointer[k];
      }
    }
    out.push_back(std::move(token));
    i = end;
  }
  return out;
}

}  // namespace ha
