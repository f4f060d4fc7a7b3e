// The tokens of HCL's native syntax, read one at a time (the parser decides where newlines
// matter). Strings and heredocs arrive decoded; a template sequence in them (`${`, `%{`) or a
// bad escape is reported as an error and the token still arrives, so parsing goes on.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hcl/hcl.h"

namespace ha::hcl {

enum class Tok {
  kIdent,
  kNumber,
  kString,  // a quoted string or a heredoc, decoded
  kEqual,
  kColon,
  kComma,
  kLBrace,
  kRBrace,
  kLBrack,
  kRBrack,
  kLParen,
  kRParen,
  kMinus,
  kNewline,
  kEof,
  kOther,  // any other operator or character (an expression the reader does not take)
};

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  // identifier, number literal, decoded string, or the character
  Position at;
};

class Scanner {
 public:
  Scanner(std::string_view text, std::vector<SyntaxError>& errors);

  Token next();

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance();  // one byte, keeping line and column
  void error(Position at, std::string reason);
  // Skips blanks and comments; true when a block comment spanned a line end.
  bool skip_blanks();
  Token quoted(Position start);
  Token heredoc(Position start);
  Token number(Position start);
  // Appends `c` to `out`, reading the escapes `$${` and `%%{` and refusing `${` and `%{`.
  // Returns true when it consumed more than the one character.
  bool template_char(std::string& out, Position at);
  void escape(std::string& out);

  std::string_view text_;
  std::vector<SyntaxError>& errors_;
  std::size_t pos_ = 0;
  Position here_;
};

// A number literal's value (integers as integers, as JSON reads them); nullopt when it is
// out of range.
std::optional<nlohmann::json> number_value(std::string literal, bool negative);
// Appends code point `cp` as UTF-8 (in hcl_document.cc, with the UTF-8 check).
void append_utf8(std::string& out, std::uint32_t cp);

// The message for anything that needs HCL's expression language.
inline constexpr const char* kNoExpressions = "expressions are not supported here; write the value";

}  // namespace ha::hcl
