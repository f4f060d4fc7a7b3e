// HCL's native syntax into the JSON-syntax document model (see hcl.h): bodies of attributes
// and blocks, and literal values.
#include <map>

#include "base/json_pointer.h"

#include "engine/hcl/hcl.h"
#include "engine/hcl/hcl_scanner.h"

namespace ha::hcl {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 128;  // nesting of blocks and values (the stack is finite)
constexpr std::size_t kMaxErrors = 50;

std::string where(Position p) {
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

// What a body's names were used for: each name is an attribute or a block type (with a
// fixed number of labels), never both.
struct NameUse {
  bool block = false;
  std::size_t labels = 0;
  Position first;
};

class Parser {
 public:
  Parser(std::string_view text, bool positions) : scanner_(text, errors_), positions_(positions) {
    take();
  }

  ParseResult run() {
    doc_.positions[""] = {1, 1};
    body(doc_.value, "", true);
    ParseResult out;
    if (errors_.size() > kMaxErrors) errors_.resize(kMaxErrors);
    if (errors_.empty()) out.document = std::move(doc_);
    out.errors = std::move(errors_);
    return out;
  }

 private:
  void take() { tok_ = scanner_.next(); }
  // The pointer of `parent`'s child `token`, with `at` recorded as its position (kept if one
  // is there and not `overwrite`); nothing at all when positions are not wanted.
  std::string place(const std::string& parent, const std::string& token, Position at,
                    bool overwrite = true) {
    if (!positions_) return {};
    std::string p = pointer_child(parent, token);
    if (overwrite) {
      doc_.positions[p] = at;
    } else {
      doc_.positions.try_emplace(p, at);
    }
    return p;
  }
  void skip_newlines() {
    while (tok_.kind == Tok::kNewline) take();
  }
  bool fail(Position at, std::string reason) {
    errors_.push_back({at, std::move(reason)});
    return false;
  }
  bool gave_up() const { return errors_.size() > kMaxErrors; }

  // Skips the rest of a broken item: to the line end outside any brackets it opens, or to a
  // closing brace of the body around it.
  void resync() {
    int depth = 0;
    while (tok_.kind != Tok::kEof) {
      if (depth == 0 && (tok_.kind == Tok::kNewline || tok_.kind == Tok::kRBrace)) return;
      if (tok_.kind == Tok::kLBrace || tok_.kind == Tok::kLBrack || tok_.kind == Tok::kLParen) {
        ++depth;
      } else if (tok_.kind == Tok::kRBrace || tok_.kind == Tok::kRBrack ||
                 tok_.kind == Tok::kRParen) {
        --depth;
      }
      take();
    }
  }

  // The items of a body, up to its closing brace (left for the caller) or the end.
  void body(json& obj, const std::string& pointer, bool top) {
    std::map<std::string, NameUse> names;
    while (!gave_up()) {
      skip_newlines();
      if (tok_.kind == Tok::kEof) return;
      if (tok_.kind == Tok::kRBrace) {
        if (!top) return;
        fail(tok_.at, "unexpected }: no block is open here");
        take();
        continue;
      }
      if (!item(obj, pointer, names, false)) resync();
    }
  }

  // One attribute (NAME = VALUE) or block (TYPE LABEL... { BODY }). `one_line`: inside a
  // single-line block, where only one attribute may stand and no newline follows.
  bool item(json& obj, const std::string& pointer, std::map<std::string, NameUse>& names,
            bool one_line) {
    if (tok_.kind != Tok::kIdent) {
      return fail(tok_.at, tok_.kind == Tok::kString
                               ? "expected an attribute or block name, not a quoted string"
                               : "expected an attribute or block name");
    }
    Token name = tok_;
    take();
    if (tok_.kind == Tok::kEqual) {
      take();
      return attribute(obj, pointer, names, name, one_line);
    }
    if (one_line) return fail(name.at, "a single-line block holds one attribute, not a block");
    return block(obj, pointer, names, name);
  }

  bool attribute(json& obj, const std::string& pointer, std::map<std::string, NameUse>& names,
                 const Token& name, bool one_line) {
    auto [use, fresh] = names.try_emplace(name.text, NameUse{false, 0, name.at});
    if (!fresh) {
      return fail(name.at, use->second.block
                               ? name.text + " is already a block (at " + where(use->second.first) +
                                     "); it cannot be an attribute"
                               : "attribute " + name.text + " is set twice (first at " +
                                     where(use->second.first) + ")");
    }
    std::string at = place(pointer, name.text, name.at);
    json value;
    if (!this->value(value, at, 0)) return false;
    obj[name.text] = std::move(value);
    if (one_line) return true;
    return end_of_item(name, false);
  }

  // After an attribute (the value of `name`) or a block: a newline, or the end of the file.
  bool end_of_item(const Token& name, bool block) {
    if (tok_.kind == Tok::kNewline) {
      take();
      return true;
    }
    if (tok_.kind == Tok::kEof) return true;
    std::string what = (block ? "the block " : "the value of ") + name.text;
    if (tok_.kind == Tok::kOther || tok_.kind == Tok::kMinus || tok_.kind == Tok::kLBrack ||
        tok_.kind == Tok::kLParen) {
      return fail(tok_.at,
                  std::string(kNoExpressions) + " (operator " + tok_.text + " after " + what + ")");
    }
    return fail(tok_.at, "expected a newline after " + what);
  }

  bool block(json& obj, const std::string& pointer, std::map<std::string, NameUse>& names,
             const Token& type) {
    std::vector<std::string> labels;
    while (tok_.kind == Tok::kString || tok_.kind == Tok::kIdent) {
      labels.push_back(tok_.text);
      take();
    }
    if (tok_.kind != Tok::kLBrace) {
      return fail(tok_.at, labels.empty()
                               ? "expected = (an attribute) or { (a block) after " + type.text
                               : "expected { to open the body of block " + type.text);
    }
    auto [use, fresh] = names.try_emplace(type.text, NameUse{true, labels.size(), type.at});
    if (!fresh && !use->second.block) {
      return fail(type.at, type.text + " is already an attribute (at " + where(use->second.first) +
                               "); it cannot be a block");
    }
    if (!fresh && use->second.labels != labels.size()) {
      return fail(type.at, "block " + type.text + " has " + std::to_string(labels.size()) +
                               " labels here and " + std::to_string(use->second.labels) + " at " +
                               where(use->second.first));
    }
    // The slot for this body: {"type": {"label": ... {"last": BODY}}}; a second body in the
    // same slot turns it into an array of bodies.
    json* parent = &obj;
    std::string at = pointer;
    std::string key = type.text;
    for (const std::string& label : labels) {
      json& level = (*parent)[key];
      if (level.is_null()) level = json::object();
      at = place(at, key, type.at, false);
      parent = &level;
      key = label;
    }
    std::string slot_at = place(at, key, type.at, false);  // a second body keeps the first's
    json* slot = nullptr;
    json& existing = (*parent)[key];
    if (existing.is_null()) {
      existing = json::object();
      slot = &existing;
    } else {
      if (existing.is_object()) {
        existing = json::array({std::move(existing)});
        if (positions_) {
          move_positions(slot_at, slot_at + "/0");
          doc_.positions[slot_at] = doc_.positions[slot_at + "/0"];
        }
      }
      existing.push_back(json::object());
      slot = &existing.back();
      slot_at = place(slot_at, std::to_string(existing.size() - 1), type.at);
    }
    if (++depth_ > kMaxDepth) return fail(type.at, "blocks nested too deeply");
    bool ok = block_body(*slot, slot_at, type);
    --depth_;
    return ok && end_of_item(type, true);
  }

  bool block_body(json& slot, const std::string& at, const Token& type) {
    Position open = tok_.at;
    take();  // {
    if (tok_.kind == Tok::kRBrace) {
      take();
      return true;
    }
    if (tok_.kind != Tok::kNewline) {
      // A single-line block: one attribute, then the closing brace.
      std::map<std::string, NameUse> names;
      bool ok = item(slot, at, names, true);
      if (ok && tok_.kind != Tok::kRBrace) {
        ok = fail(tok_.at,
                  "a single-line block holds one attribute; put the others on "
                  "lines of their own");
      }
      // Recovers here, not in the body around: that one would take this block's } for its own
      // and report every } after it as unmatched.
      if (!ok) resync();
      if (tok_.kind == Tok::kRBrace) take();
      return ok;
    }
    body(slot, at, false);
    if (tok_.kind != Tok::kRBrace) {
      return fail(open, "block " + type.text + " opened here is never closed (missing })");
    }
    take();
    return true;
  }

  // Re-keys every position at or below `from` to below `to` (a block's body became the first
  // of an array of bodies). Rare: a block repeated with the same labels.
  void move_positions(const std::string& from, const std::string& to) {
    std::vector<std::pair<std::string, Position>> moved;
    for (auto it = doc_.positions.begin(); it != doc_.positions.end();) {
      const std::string& k = it->first;
      if (k.compare(0, from.size(), from) == 0 &&
          (k.size() == from.size() || k[from.size()] == '/')) {
        moved.emplace_back(to + k.substr(from.size()), it->second);
        it = doc_.positions.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [k, p] : moved) doc_.positions[k] = p;
  }

  bool number(json& out, const std::string& text, bool negative, Position at) {
    auto n = number_value(text, negative);
    if (!n) return fail(at, "number " + text + " is out of range");
    out = std::move(*n);
    return true;
  }

  bool value(json& out, const std::string& at, int depth) {
    if (depth > kMaxDepth) return fail(tok_.at, "values nested too deeply");
    Token t = tok_;
    switch (t.kind) {
      case Tok::kString:
        out = t.text;
        take();
        return true;
      case Tok::kNumber:
        take();
        return number(out, t.text, false, t.at);
      case Tok::kMinus:
        take();
        if (tok_.kind != Tok::kNumber) return fail(t.at, kNoExpressions);
        t = tok_;
        take();
        return number(out, t.text, true, t.at);
      case Tok::kIdent:
        take();
        if (t.text == "true" || t.text == "false") {
          out = t.text == "true";
          return true;
        }
        if (t.text == "null") {
          out = nullptr;
          return true;
        }
        return fail(t.at, std::string(kNoExpressions) +
                              (tok_.kind == Tok::kLParen ? " (a call of function " + t.text + ")"
                                                         : " (" + t.text +
                                                               " is a variable; "
                                                               "quote a string)"));
      case Tok::kLBrack:
        return tuple(out, at, depth);
      case Tok::kLBrace:
        return object(out, at, depth);
      case Tok::kLParen:
      case Tok::kOther:
        return fail(t.at, kNoExpressions);
      default:
        return fail(t.at, "expected a value");
    }
  }

  bool tuple(json& out, const std::string& at, int depth) {
    Position open = tok_.at;
    take();
    out = json::array();
    skip_newlines();
    while (tok_.kind != Tok::kRBrack) {
      if (tok_.kind == Tok::kEof)
        return fail(open, "tuple opened here is never closed (missing ])");
      std::string item_at = place(at, std::to_string(out.size()), tok_.at);
      json item;
      if (!value(item, item_at, depth + 1)) return false;
      out.push_back(std::move(item));
      skip_newlines();
      if (tok_.kind == Tok::kComma) {
        take();
        skip_newlines();
      } else if (tok_.kind != Tok::kRBrack) {
        return fail(tok_.at, tok_.kind == Tok::kOther ? std::string(kNoExpressions)
                                                      : "expected , or ] in a tuple");
      }
    }
    take();
    return true;
  }

  bool object(json& out, const std::string& at, int depth) {
    Position open = tok_.at;
    take();
    out = json::object();
    std::map<std::string, Position> seen;
    skip_newlines();
    while (tok_.kind != Tok::kRBrace) {
      if (tok_.kind == Tok::kEof)
        return fail(open, "object opened here is never closed (missing })");
      if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kString) {
        return fail(tok_.at, tok_.kind == Tok::kLParen ? std::string(kNoExpressions)
                                                       : "expected a key in an object");
      }
      Token key = tok_;
      take();
      if (tok_.kind != Tok::kEqual && tok_.kind != Tok::kColon) {
        return fail(tok_.at, "expected = or : after the key " + key.text);
      }
      take();
      auto [first, fresh] = seen.try_emplace(key.text, key.at);
      if (!fresh) {
        return fail(key.at, "key " + key.text + " is set twice in this object (first at " +
                                where(first->second) + ")");
      }
      std::string item_at = place(at, key.text, key.at);
      if (!value(out[key.text], item_at, depth + 1)) return false;
      if (tok_.kind == Tok::kComma) take();
      if (tok_.kind != Tok::kNewline && tok_.kind != Tok::kRBrace && tok_.kind != Tok::kIdent &&
          tok_.kind != Tok::kString) {
        return fail(tok_.at, tok_.kind == Tok::kOther ? std::string(kNoExpressions)
                                                      : "expected , or a newline between items");
      }
      skip_newlines();
    }
    take();
    return true;
  }

  std::vector<SyntaxError> errors_;
  Scanner scanner_;
  Token tok_;
  Document doc_;
  bool positions_;
  int depth_ = 0;
};

}  // namespace

ParseResult parse(std::string_view text, bool with_positions) {
  if (std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    return {std::nullopt, {{position_at(text, bad), "invalid UTF-8 (HCL files are UTF-8 text)"}}};
  }
  return Parser(text, with_positions).run();
}

}  // namespace ha::hcl
