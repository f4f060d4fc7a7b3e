#include "engine/policy/config_file.h"

#include "engine/policy/hcl_json.h"

namespace ha {

Syntax syntax_of(const std::string& file, std::string_view text) {
  auto ends_with = [&file](std::string_view ext) {
    return file.size() >= ext.size() &&
           file.compare(file.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends_with(".json")) return Syntax::kJson;
  if (ends_with(".hcl") || ends_with(".nomad")) return Syntax::kHcl;
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") first = text.find_first_not_of(" \t\r\n", 3);
  return first != std::string_view::npos && text[first] == '{' ? Syntax::kJson : Syntax::kHcl;
}

std::optional<ConfigFile> ConfigFile::read(std::string_view text, const std::string& file,
                                           Diagnostics& diags) {
  ConfigFile out;
  if (syntax_of(file, text) == Syntax::kJson) {
    auto doc = hcl_json::parse_document(text, file, diags);
    if (!doc) return std::nullopt;
    out.json_ = std::move(*doc);
    return out;
  }
  hcl::ParseResult parsed = hcl::parse(text, false);
  for (const hcl::SyntaxError& e : parsed.errors) {
    Diagnostic d{file, "", e.reason};
    d.line = e.at.line;
    d.column = e.at.column;
    diags.push_back(std::move(d));
  }
  if (!parsed.document) return std::nullopt;
  out.hcl_ = std::move(parsed.document);
  out.hcl_text_ = std::string(text);
  return out;
}

void ConfigFile::locate(Diagnostics& diags, std::size_t from) const {
  if (!hcl_ || from >= diags.size()) return;
  if (!located_) located_ = std::move(hcl::parse(hcl_text_, true).document);
  if (!located_) return;  // (the same text parsed cleanly before)
  for (std::size_t i = from; i < diags.size(); ++i) {
    Diagnostic& d = diags[i];
    if (d.line > 0) continue;
    if (d.where.empty()) {  // the file as a whole
      d.line = d.column = 1;
      continue;
    }
    if (d.where[0] != '/') continue;
    hcl::Position at = located_->position_of(d.where);
    d.line = at.line;
    d.column = at.column;
    d.where = located_->path_of(d.where);
  }
}

}  // namespace ha
