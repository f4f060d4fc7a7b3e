#include "engine/policy/policy_hcl_writer.h"

#include <sstream>

namespace ha {
namespace {

using nlohmann::json;

// The blocks a body of `parent`'s type holds, with whether they carry a label. Anything
// else is an attribute: a strategy's `target` is a number, not a target block.
enum class Shape { kAttribute, kBlock, kLabelledBlock };
Shape shape_of(const std::string& parent, const std::string& key) {
  if (parent == "scaling" && key == "policy") return Shape::kBlock;
  if (parent == "policy" && (key == "check" || key == "target")) return Shape::kLabelledBlock;
  if (parent == "check" && key == "strategy") return Shape::kLabelledBlock;
  return Shape::kAttribute;
}

bool identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if ((c == '$' || c == '%') && i + 1 < s.size() && s[i + 1] == '{') {
      out += c;  // "${" and "%{" start templates in HCL: doubled, they stand for themselves
      out += c;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string value_text(const json& v, int indent) {
  if (v.is_string()) return quoted(v.get<std::string>());
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + value_text(v[i], indent);
    return out + "]";
  }
  if (v.is_object()) {
    if (v.empty()) return "{}";
    std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    std::string out = "{\n";
    for (const auto& [k, item] : v.items()) {
      out += pad + (identifier(k) ? k : quoted(k)) + " = " + value_text(item, indent + 2) + "\n";
    }
    return out + std::string(static_cast<std::size_t>(indent), ' ') + "}";
  }
  return v.dump();  // numbers, booleans, null
}

void write_body(std::ostringstream& out, const std::string& type, const json& body, int indent);

void write_block(std::ostringstream& out, const std::string& type, const std::string& label,
                 const json& body, int indent) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  out << pad << type << (label.empty() ? "" : " " + quoted(label)) << " {";
  if (body.empty()) {
    out << "}\n";
    return;
  }
  out << "\n";
  write_body(out, type, body, indent + 2);
  out << pad << "}\n";
}

void write_body(std::ostringstream& out, const std::string& type, const json& body, int indent) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  // Attributes first, then blocks, as people write them.
  for (const auto& [key, v] : body.items()) {
    if (shape_of(type, key) == Shape::kAttribute || !v.is_object()) {
      out << pad << key << " = " << value_text(v, indent) << "\n";
    }
  }
  for (const auto& [key, v] : body.items()) {
    Shape shape = shape_of(type, key);
    if (shape == Shape::kAttribute || !v.is_object()) continue;
    if (shape == Shape::kBlock) {
      out << "\n";
      write_block(out, key, "", v, indent);
      continue;
    }
    for (const auto& [label, inner] : v.items()) {
      out << "\n";
      write_block(out, key, label, inner, indent);
    }
  }
}

}  // namespace

std::string write_policies_hcl(const json& hcl_json, const std::string& header) {
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
  const json& scaling = hcl_json.at("scaling");
  bool first = true;
  for (const auto& [name, body] : scaling.items()) {
    if (!first) out << "\n";
    first = false;
    write_block(out, "scaling", name, body, 0);
  }
  return out.str();
}

}  // namespace ha
