// Kubernetes' name rules (k8s.io/apimachinery pkg/util/validation): DNS-1123 labels (what a
// host name and a label value must be) and subdomains (what most object names must be).
#pragma once

#include <string_view>

namespace ha {

// At most 63 characters of [a-z0-9-], starting and ending with [a-z0-9].
inline bool is_dns1123_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

// At most 253 characters: DNS-1123 labels joined by dots.
inline bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (std::size_t start = 0;;) {
    std::size_t dot = s.find('.', start);
    if (!is_dns1123_label(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace ha
