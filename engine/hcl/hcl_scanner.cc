#include "engine/hcl/hcl_scanner.h"

#include <algorithm>
#include <charconv>

namespace ha::hcl {
namespace {

bool ident_start(char c) {
  auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}

bool ident_char(char c) {
  return ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

// Invisible characters that arrive with copied text (no-break and zero-width spaces, a byte
// order mark inside the file): HCL refuses them, rather than read them as part of a name.
// (Text is valid UTF-8 here: parse() checked.)
std::size_t invisible_at(std::string_view text, std::size_t pos) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  if (pos + 1 < text.size() && b(0) == 0xC2 && b(1) == 0xA0) return 2;  // U+00A0
  if (pos + 2 >= text.size()) return 0;
  std::uint32_t cp = ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
  if ((b(0) & 0xF0) != 0xE0) return 0;
  bool invisible = cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) ||
                   (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) ||
                   cp == 0x3000 || cp == 0xFEFF;
  return invisible ? 3 : 0;
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<nlohmann::json> number_value(std::string literal, bool negative) {
  // Most numbers are small integers: read them directly.
  if (literal.size() <= 18 && literal.find_first_not_of("0123456789") == std::string::npos) {
    std::int64_t n = 0;
    std::from_chars(literal.data(), literal.data() + literal.size(), n);
    return nlohmann::json(negative ? -n : n);
  }
  // HCL allows leading zeros (0755); JSON's number syntax, which reads the rest, does not.
  std::size_t zeros = 0;
  while (zeros + 1 < literal.size() && literal[zeros] == '0' && literal[zeros + 1] >= '0' &&
         literal[zeros + 1] <= '9') {
    ++zeros;
  }
  literal.erase(0, zeros);
  try {
    return nlohmann::json::parse(negative ? "-" + literal : literal);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // beyond a double's range
  }
}

Scanner::Scanner(std::string_view text, std::vector<SyntaxError>& errors)
    : text_(text), errors_(errors) {
  // A byte order mark is not content.
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

// Out of line: GCC 12 inlines the string move into every caller's `+` chain and then warns
// about bounds it cannot know (-Warray-bounds false positives).
[[gnu::noinline]] void Scanner::error(Position at, std::string reason) {
  SyntaxError& e = errors_.emplace_back();
  e.at = at;
  e.reason.swap(reason);
}

void Scanner::advance() {
  char c = text_[pos_++];
  if (c == '\n') {
    ++here_.line;
    here_.column = 1;
  } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
    ++here_.column;  // a character's first byte; UTF-8 continuation bytes do not count
  }
}

bool Scanner::skip_blanks() {
  bool newline = false;
  while (!at_end()) {
    char c = peek();
    if (blank(c)) {
      advance();
    } else if (c == '#' || (c == '/' && peek(1) == '/')) {
      while (!at_end() && peek() != '\n') advance();  // the line end stays a token
    } else if (c == '/' && peek(1) == '*') {
      Position start = here_;
      advance();
      advance();
      while (!at_end() && !(peek() == '*' && peek(1) == '/')) {
        newline = newline || peek() == '\n';
        advance();
      }
      if (at_end()) {
        error(start, "unterminated comment: /* needs a closing */");
      } else {
        advance();
        advance();
      }
    } else {
      break;
    }
  }
  return newline;
}

Token Scanner::next() {
  bool newline = skip_blanks();
  Position start = here_;
  if (newline) return {Tok::kNewline, "", start};
  if (at_end()) return {Tok::kEof, "", start};
  char c = peek();
  if (c == '\n') {
    advance();
    return {Tok::kNewline, "", start};
  }
  if (c == '"') return quoted(start);
  if (c == '<' && peek(1) == '<') return heredoc(start);
  if (digit(c)) return number(start);
  if (std::size_t n = invisible_at(text_, pos_); n > 0) {
    error(start, "invalid character: an invisible space or byte order mark");
    while (n-- > 0) advance();
    return next();
  }
  if (ident_start(c)) {
    std::size_t from = pos_;
    while (!at_end() && ident_char(peek()) && invisible_at(text_, pos_) == 0) advance();
    return {Tok::kIdent, std::string(text_.substr(from, pos_ - from)), start};
  }
  // Two-character operators are expressions too; keep them whole for the message.
  if ((c == '=' && (peek(1) == '=' || peek(1) == '>')) || (c == '!' && peek(1) == '=') ||
      (c == '&' && peek(1) == '&') || (c == '|' && peek(1) == '|')) {
    std::string op{c, peek(1)};
    advance();
    advance();
    return {Tok::kOther, op, start};
  }
  advance();
  switch (c) {
    case '=':
      return {Tok::kEqual, "=", start};
    case ':':
      return {Tok::kColon, ":", start};
    case ',':
      return {Tok::kComma, ",", start};
    case '{':
      return {Tok::kLBrace, "{", start};
    case '}':
      return {Tok::kRBrace, "}", start};
    case '[':
      return {Tok::kLBrack, "[", start};
    case ']':
      return {Tok::kRBrack, "]", start};
    case '(':
      return {Tok::kLParen, "(", start};
    case ')':
      return {Tok::kRParen, ")", start};
    case '-':
      return {Tok::kMinus, "-", start};
    default:
      return {Tok::kOther, std::string(1, c), start};
  }
}

bool Scanner::template_char(std::string& out, Position at) {
  char c = peek();
  if ((c == '$' || c == '%') && peek(1) == c && peek(2) == '{') {
    out += c;  // `$${` is a literal `${` (and `%%{` a literal `%{`)
    out += '{';
    advance();
    advance();
    advance();
    return true;
  }
  if ((c == '$' || c == '%') && peek(1) == '{') {
    error(at, std::string(kNoExpressions) + " (a template " + (c == '$' ? "${...}" : "%{...}") +
                  "; write $${ or %%{ for the literal characters)");
    // Skip the sequence to its closing brace, so its insides cause no further errors.
    int depth = 0;
    while (!at_end() && peek() != '\n') {
      char d = peek();
      advance();
      if (d == '{') ++depth;
      if (d == '}' && --depth == 0) break;
    }
    return true;
  }
  out += c;
  advance();
  return false;
}

void Scanner::escape(std::string& out) {
  Position at = here_;
  advance();  // the backslash
  if (at_end() || peek() == '\n') {
    error(at, "a backslash at the end of a line (strings cannot span lines)");
    return;
  }
  char c = peek();
  advance();
  switch (c) {
    case 'n':
      out += '\n';
      return;
    case 'r':
      out += '\r';
      return;
    case 't':
      out += '\t';
      return;
    case '"':
      out += '"';
      return;
    case '\\':
      out += '\\';
      return;
    case 'u':
    case 'U': {
      int digits = c == 'u' ? 4 : 8;
      std::uint32_t cp = 0;
      for (int i = 0; i < digits; ++i) {
        int v = hex_value(peek());
        if (v < 0) {
          error(at, std::string("\\") + c + " needs " + std::to_string(digits) + " hex digits");
          return;
        }
        cp = cp * 16 + static_cast<std::uint32_t>(v);
        advance();
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        error(at, std::string(c == 'u' ? "\\u" : "\\U") + " names no Unicode character");
        return;
      }
      append_utf8(out, cp);
      return;
    }
    default:
      error(at, "invalid escape \\" + std::string(1, c) +
                    " (HCL knows \\n \\r \\t \\\" \\\\ \\uNNNN \\UNNNNNNNN)");
  }
}

Token Scanner::quoted(Position start) {
  advance();  // the opening quote
  std::string out;
  while (true) {
    if (at_end() || peek() == '\n') {
      error(start, "unterminated string: a quoted string ends on the line it starts");
      break;
    }
    char c = peek();
    if (c == '"') {
      advance();
      break;
    }
    if (c == '\\') {
      escape(out);
    } else if (c == '$' || c == '%') {
      template_char(out, here_);
    } else {
      // A run of plain characters at once (one line: only the column moves).
      std::size_t end = text_.find_first_of("\"\\$%\n", pos_);
      if (end == std::string_view::npos) end = text_.size();
      out.append(text_.substr(pos_, end - pos_));
      while (pos_ < end) advance();
    }
  }
  return {Tok::kString, std::move(out), start};
}

Token Scanner::number(Position start) {
  std::size_t from = pos_;
  while (digit(peek())) advance();
  if (peek() == '.' && digit(peek(1))) {
    advance();
    while (digit(peek())) advance();
  }
  if ((peek() == 'e' || peek() == 'E') &&
      (digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && digit(peek(2))))) {
    advance();
    if (peek() == '+' || peek() == '-') advance();
    while (digit(peek())) advance();
  }
  return {Tok::kNumber, std::string(text_.substr(from, pos_ - from)), start};
}

Token Scanner::heredoc(Position start) {
  advance();
  advance();  // <<
  bool indented = peek() == '-';
  if (indented) advance();
  std::size_t from = pos_;
  while (!at_end() && ident_char(peek())) advance();
  std::string marker(text_.substr(from, pos_ - from));
  while (peek() == '\r') advance();
  if (marker.empty() || peek() != '\n') {
    error(start, "a heredoc starts with <<MARKER (or <<-MARKER) alone at the end of its line");
    return {Tok::kString, "", start};
  }
  advance();
  struct Line {
    std::string text;
    Position at;
  };
  std::vector<Line> lines;
  bool closed = false;
  while (!at_end()) {
    Position at = here_;
    std::size_t line_from = pos_;
    while (!at_end() && peek() != '\n') advance();
    std::string_view line = text_.substr(line_from, pos_ - line_from);
    std::string_view trimmed = line;
    while (!trimmed.empty() && (blank(trimmed.front()))) trimmed.remove_prefix(1);
    while (!trimmed.empty() && (blank(trimmed.back()))) trimmed.remove_suffix(1);
    if (trimmed == marker) {
      closed = true;  // the line end after the marker ends the attribute
      break;
    }
    lines.push_back({std::string(line), at});  // (a CR before the line end stays, as in HCL)
    if (!at_end()) advance();
  }
  if (!closed) {
    error(start, "unterminated heredoc: no line holding just " + marker);
    return {Tok::kString, "", start};
  }
  if (indented) {
    // <<- strips the indentation all non-blank lines share.
    std::size_t common = std::string::npos;
    for (const Line& l : lines) {
      std::size_t n = l.text.find_first_not_of(" \t");
      if (n != std::string::npos) common = std::min(common, n);
    }
    if (common == std::string::npos) common = 0;
    for (Line& l : lines) {
      std::size_t cut = std::min(common, l.text.size());
      l.text.erase(0, cut);
      l.at.column += static_cast<int>(cut);
    }
  }
  // Template sequences are checked in the final text, as HCL reads it.
  std::string out;
  for (const Line& l : lines) {
    std::string_view t = l.text;
    for (std::size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      bool lead = c == '$' || c == '%';
      if (lead && i + 2 < t.size() && t[i + 1] == c && t[i + 2] == '{') {
        out += c;
        out += '{';
        i += 2;
      } else if (lead && i + 1 < t.size() && t[i + 1] == '{') {
        error({l.at.line, l.at.column + static_cast<int>(i)},
              std::string(kNoExpressions) + " (a template in a heredoc; write $${ or %%{ for " +
                  "the literal characters)");
        out += c;
      } else {
        out += c;
      }
    }
    out += '\n';
  }
  return {Tok::kString, std::move(out), start};
}

}  // namespace ha::hcl
