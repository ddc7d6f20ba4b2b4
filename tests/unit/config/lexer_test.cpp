#include "strata/config/lexer.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::config {
namespace {

// Statements rendered compactly: words joined by '|', quoted words in <>, then the
// end: ';', '{' or '}' (end of file adds nothing); statements separated by ' '.
// An error renders as "line: message".
std::string render(std::string_view text) {
    Lexer lexer(text, "t.conf");
    std::string out;
    for (;;) {
        auto statement = lexer.next();
        if (!statement) {
            return std::to_string(statement.error().where.line) + ": " + statement.error().message;
        }
        if (statement->end == StatementEnd::end_of_file) return out;
        if (!out.empty()) out += ' ';
        for (std::size_t i = 0; i < statement->words.size(); ++i) {
            if (i > 0) out += '|';
            out += statement->quoted[i] ? "<" + statement->words[i] + ">" : statement->words[i];
        }
        out += statement->end == StatementEnd::semicolon    ? ";"
               : statement->end == StatementEnd::block_open ? "{"
                                                            : "}";
    }
}

struct Case {
    const char* text;
    const char* expected;
};

const Case kCases[] = {
    {"a b;", "a|b;"},
    {"a  b\t\n c ;", "a|b|c;"},
    {"a b;\r\nc;", "a|b; c;"},
    {"a{b;}", "a{ b; }"},
    {"a { }", "a{ }"},
    {"", ""},
    {"  \n\t ", ""},
    // quoting and escapes
    {"a \"b c\";", "a|<b c>;"},
    {"a 'b c';", "a|<b c>;"},
    {"a \"\";", "a|<>;"},
    {"\"quoted name\" x;", "<quoted name>|x;"},
    {"a \"x\\\"y\";", "a|<x\"y>;"},
    {"a 'it\\'s';", "a|<it's>;"},
    {"a \"it's\";", "a|<it's>;"},
    {"a '\"';", "a|<\">;"},
    {"a \"\\t\\r\\n\";", "a|<\t\r\n>;"},
    {"a \"\\\\\";", "a|<\\>;"},
    {"a \"\\q\";", "a|<\\q>;"},
    {"a \"multi\nline\";", "a|<multi\nline>;"},
    {"a \"b;{}#\";", "a|<b;{}#>;"},
    {"a \"b\"{}", "a|<b>{ }"},
    {"a \"b\"\n;", "a|<b>;"},
    // outside quotes a backslash keeps the next character in the word
    {"a b\\ c;", "a|b\\ c;"},
    {"a b\\;c;", "a|b\\;c;"},
    {"a \\\"b;", "a|\"b;"},
    {"a \\t;", "a|\t;"},
    {"a b\\q;", "a|b\\q;"},
    {"a b\\{c;", "a|b\\{c;"},
    // a quote inside a word is just a character
    {"a b\"c\";", "a|b\"c\";"},
    {"if ($a = \"b\") { }", "if|($a|=|<b>|){ }"},
    {"if (\"a\") { }", "if|(\"a\"){ }"},
    // comments only at the start of a word
    {"a b#c;", "a|b#c;"},
    {"a #c\n b;", "a|b;"},
    {"# only a comment\na;", "a;"},
    {"a; # trailing", "a;"},
    {"a \"#\";", "a|<#>;"},
    // ${var}: a brace after $ is part of the word
    {"a ${b}c;", "a|${b}c;"},
    {"a ${{b};", "a|${{b};"},
    {"a $b{ }", "a|$b{ }"},
    {"a \\${ }", "a|\\${ }"},
    {"a $ {}", "a|${ }"},
    // a closing brace inside a word is a character
    {"a b}c;", "a|b}c;"},
    {"a b; }", "a|b; }"},
    // errors, nginx's wording, at the line being read
    {";", "1: unexpected \";\""},
    {"{", "1: unexpected \"{\""},
    {"\n\n ;", "3: unexpected \";\""},
    {"a }", "1: unexpected \"}\""},
    {"a \"b\"c;", "1: unexpected \"c\""},
    {"a 'b'\"c\";", "1: unexpected \"\"\""},
    {"a \"b\"}", "1: unexpected \"}\""},
    {"a \"b\"#", "1: unexpected \"#\""},
    {"a", "1: unexpected end of file, expecting \";\" or \"}\""},
    {"a\n", "2: unexpected end of file, expecting \";\" or \"}\""},
    {"a \"b", "1: unexpected end of file, expecting \";\" or \"}\""},
    {"a 'b\n\n", "3: unexpected end of file, expecting \";\" or \"}\""},
    {"a b\\", "1: unexpected end of file, expecting \";\" or \"}\""},
    {"a # comment;", "1: unexpected end of file, expecting \";\" or \"}\""},
};

class LexerCases : public ::testing::TestWithParam<Case> {};

TEST_P(LexerCases, Statements) {
    EXPECT_EQ(render(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, LexerCases, ::testing::ValuesIn(kCases));

TEST(Lexer, StatementLineIsWhereItEnds) {
    Lexer lexer("a\n b\n  c\n;\nd {\n}", "t.conf");
    auto first = lexer.next();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->line, 4);
    auto second = lexer.next();
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->end, StatementEnd::block_open);
    EXPECT_EQ(second->line, 5);
    auto third = lexer.next();
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(third->end, StatementEnd::block_close);
    EXPECT_EQ(third->line, 6);
}

TEST(Lexer, ErrorsNameTheFile) {
    Lexer lexer("}", "conf/x.conf");
    EXPECT_TRUE(lexer.next().ok());  // a `}` is the parser's to judge
    Lexer bad(";", "conf/x.conf");
    auto statement = bad.next();
    ASSERT_FALSE(statement.ok());
    EXPECT_EQ(statement.error().to_string(), "conf/x.conf:1: unexpected \";\"");
}

TEST(Lexer, NulAndControlBytesAreWordCharacters) {
    const std::string text("a b\0c\x01;", 8);
    Lexer lexer(text, "t.conf");
    auto statement = lexer.next();
    ASSERT_TRUE(statement.ok());
    ASSERT_EQ(statement->words.size(), 2u);
    EXPECT_EQ(statement->words[1], std::string("b\0c\x01", 4));
}

TEST(Lexer, EscapedNewlineStillCountsALine) {
    Lexer lexer("a b\\\nc\n;", "t.conf");
    auto statement = lexer.next();
    ASSERT_TRUE(statement.ok());
    EXPECT_EQ(statement->words[1], "b\\\nc");
    EXPECT_EQ(statement->line, 3);
}

TEST(UnescapeWord, NginxEscapes) {
    EXPECT_EQ(unescape_word(R"(a\"b)"), "a\"b");
    EXPECT_EQ(unescape_word(R"(\\t)"), "\\t");
    EXPECT_EQ(unescape_word(R"(\t\r\n)"), "\t\r\n");
    EXPECT_EQ(unescape_word(R"(\d+\.png$)"), "\\d+\\.png$");
    EXPECT_EQ(unescape_word("end\\"), "end\\");
}

}  // namespace
}  // namespace strata::config
