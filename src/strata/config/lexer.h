// nginx's configuration tokenizer: reads one statement at a time — the words of a
// directive up to the `;`, `{` or `}` that ends it — with nginx's quoting, escapes,
// comments and `${var}` rules, and nginx's error wording.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/directive.h"

namespace strata::config {

enum class StatementEnd {
    semicolon,    // `name args;`
    block_open,   // `name args {`
    block_close,  // `}` (no words)
    end_of_file,  // (no words)
};

struct Statement {
    std::vector<std::string> words;  // after quote and escape processing
    std::vector<bool> quoted;        // one per word
    StatementEnd end = StatementEnd::end_of_file;
    // The line of the character that ended the statement: nginx reports a directive's
    // errors there, so a directive spread over lines is reported at its `;` or `{`.
    int line = 1;
};

class Lexer {
  public:
    // `text` must outlive the lexer; `file` names it in errors.
    Lexer(std::string_view text, std::string file);

    Result<Statement, ConfigError> next();

    const std::string& file() const { return file_; }
    int line() const { return line_; }

  private:
    bool at_end() const { return pos_ >= text_.size(); }
    char take();
    void skip_space_and_comments();
    Err<ConfigError> error(std::string message) const;
    Err<ConfigError> unexpected(char c) const;
    Err<ConfigError> unexpected_end() const;

    // Each reads one word starting at pos_ into `out`; returns false at end of input.
    bool read_quoted(std::string& out);
    bool read_bare(std::string& out);

    std::string_view text_;
    std::string file_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

// nginx's escape processing of a word's raw text, the same inside and outside quotes:
// \" \' \\ become the character, \t \r \n the control character, any other backslash
// stays as it is.
std::string unescape_word(std::string_view raw);

}  // namespace strata::config
