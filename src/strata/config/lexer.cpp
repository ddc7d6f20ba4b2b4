#include "strata/config/lexer.h"

#include <utility>

namespace strata::config {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// After a closing quote nginx wants a separator; `)` is allowed so that
// `if ($a = "b")` reads as the words `($a`, `=`, `b`, `)`.
bool may_follow_quote(char c) {
    return is_space(c) || c == ';' || c == '{' || c == ')';
}

}  // namespace

Lexer::Lexer(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

char Lexer::take() {
    char c = text_[pos_++];
    if (c == '\n') ++line_;
    return c;
}

Err<ConfigError> Lexer::error(std::string message) const {
    return Err{ConfigError{SourceLocation{file_, line_}, std::move(message)}};
}

Err<ConfigError> Lexer::unexpected(char c) const {
    return error(std::string("unexpected \"") + c + "\"");
}

Err<ConfigError> Lexer::unexpected_end() const {
    return error("unexpected end of file, expecting \";\" or \"}\"");
}

void Lexer::skip_space_and_comments() {
    while (!at_end()) {
        char c = text_[pos_];
        if (is_space(c)) {
            take();
        } else if (c == '#') {
            while (!at_end() && text_[pos_] != '\n')
                ++pos_;
        } else {
            return;
        }
    }
}

bool Lexer::read_quoted(std::string& out) {
    const char quote = take();
    const std::size_t start = pos_;
    while (!at_end()) {
        char c = take();
        if (c == '\\') {
            if (at_end()) return false;
            take();
        } else if (c == quote) {
            out = unescape_word(text_.substr(start, pos_ - 1 - start));
            return true;
        }
    }
    return false;
}

bool Lexer::read_bare(std::string& out) {
    const std::size_t start = pos_;
    // A `{` right after `$` (or after such a `{`) belongs to the word: `${var}`.
    bool in_variable_brace = false;
    while (!at_end()) {
        char c = text_[pos_];
        if (c == '{' && in_variable_brace) {
            take();
            continue;
        }
        in_variable_brace = false;
        if (c == '\\') {
            take();
            if (at_end()) return false;
            take();
            continue;
        }
        if (is_space(c) || c == ';' || c == '{') {
            out = unescape_word(text_.substr(start, pos_ - start));
            return true;
        }
        in_variable_brace = c == '$';
        take();
    }
    return false;
}

Result<Statement, ConfigError> Lexer::next() {
    Statement statement;
    for (;;) {
        skip_space_and_comments();
        if (at_end()) {
            if (!statement.words.empty()) return unexpected_end();
            statement.end = StatementEnd::end_of_file;
            statement.line = line_;
            return statement;
        }
        const char c = text_[pos_];
        if (c == ';' || c == '{' || c == '}') {
            take();
            const bool has_words = !statement.words.empty();
            if (c == '}' ? has_words : !has_words) return unexpected(c);
            statement.end = c == ';'   ? StatementEnd::semicolon
                            : c == '{' ? StatementEnd::block_open
                                       : StatementEnd::block_close;
            statement.line = line_;
            return statement;
        }
        const bool quoted = c == '"' || c == '\'';
        std::string word;
        if (!(quoted ? read_quoted(word) : read_bare(word))) return unexpected_end();
        statement.words.push_back(std::move(word));
        statement.quoted.push_back(quoted);
        if (quoted && !at_end() && !may_follow_quote(text_[pos_])) return unexpected(take());
    }
}

std::string unescape_word(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            const char next = raw[i + 1];
            const char replaced = next == 't'                                     ? '\t'
                                  : next == 'r'                                   ? '\r'
                                  : next == 'n'                                   ? '\n'
                                  : (next == '"' || next == '\'' || next == '\\') ? next
                                                                                  : '\0';
            if (replaced != '\0') {
                out += replaced;
                ++i;
                continue;
            }
        }
        out += raw[i];
    }
    return out;
}

}  // namespace strata::config
