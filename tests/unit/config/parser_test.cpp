#include "strata/config/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::config {
namespace {

// A tree rendered as `name:arg:arg{child;child}` with `;` between siblings.
std::string render(const std::vector<Directive>& directives) {
    std::string out;
    for (const Directive& directive : directives) {
        if (!out.empty()) out += ';';
        out += directive.name;
        for (const std::string& arg : directive.args)
            out += ':' + arg;
        if (directive.has_block) out += '{' + render(directive.block) + '}';
    }
    return out;
}

std::string parse(std::string_view text) {
    auto parsed = parse_text(text, "t.conf");
    if (!parsed) return parsed.error().to_string();
    return render(parsed.value());
}

struct Case {
    const char* text;
    const char* expected;
};

const Case kCases[] = {
    {"", ""},
    {"a;", "a"},
    {"a b c;", "a:b:c"},
    {"a; b;", "a;b"},
    {"a {}", "a{}"},
    {"a { b; c d; }", "a{b;c:d}"},
    {"a { b { c; } } d;", "a{b{c}};d"},
    {"http { server { location / { try_files $uri $uri/ =404; } } }",
     "http{server{location:/{try_files:$uri:$uri/:=404}}}"},
    {"include x; a { include y; }", "include:x;a{include:y}"},
    {"}", "t.conf:1: unexpected \"}\""},
    {"a; }", "t.conf:1: unexpected \"}\""},
    {"a {", "t.conf:1: unexpected end of file, expecting \"}\""},
    {"a {\n b;\n", "t.conf:3: unexpected end of file, expecting \"}\""},
    {"a { b { }", "t.conf:1: unexpected end of file, expecting \"}\""},
    {"a {\n b\n}", "t.conf:3: unexpected \"}\""},
    {"a;\nb", "t.conf:2: unexpected end of file, expecting \";\" or \"}\""},
};

class ParserCases : public ::testing::TestWithParam<Case> {};

TEST_P(ParserCases, Tree) {
    EXPECT_EQ(parse(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, ParserCases, ::testing::ValuesIn(kCases));

TEST(Parser, KeepsQuotedFlagsAndLocations) {
    auto parsed = parse_text("a 'x' y;\n\nb {\n  c\n  ;\n}\n", "conf/t.conf");
    ASSERT_TRUE(parsed.ok());
    const auto& top = parsed.value();
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(top[0].quoted, (std::vector<bool>{true, false}));
    EXPECT_EQ(top[0].where.file, "conf/t.conf");
    EXPECT_EQ(top[0].where.line, 1);
    EXPECT_TRUE(top[1].has_block);
    EXPECT_EQ(top[1].where.line, 3);
    ASSERT_EQ(top[1].block.size(), 1u);
    EXPECT_EQ(top[1].block[0].where.line, 5);  // where its `;` is, as nginx reports
    EXPECT_FALSE(top[1].block[0].has_block);
}

TEST(Parser, RemembersTheLineOfABlocksClosingBrace) {
    auto parsed = parse_text("a {\n  b { }\n\n}\nc;\n", "t.conf");
    ASSERT_TRUE(parsed.ok());
    const auto& top = parsed.value();
    EXPECT_EQ(top[0].end_line, 4);
    EXPECT_EQ(top[0].block[0].end_line, 2);
    EXPECT_EQ(top[1].end_line, 0);  // no block
}

TEST(Parser, RefusesBlocksNestedTooDeeply) {
    std::string deep;
    for (int i = 0; i <= kMaxBlockDepth; ++i)
        deep += "a {";
    auto parsed = parse_text(deep, "t.conf");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message, "blocks are nested too deeply");
}

// The handler sees a directive before its block and decides where its block goes.
class Recorder : public DirectiveHandler {
  public:
    std::vector<std::string> seen;
    Result<HandlerDecision, ConfigError> on_directive(Directive& directive,
                                                      const BlockFrame& frame) override {
        seen.push_back(directive.name + "@" + std::to_string(static_cast<int>(frame.context)) +
                       (frame.owner ? " in " + frame.owner->name : ""));
        if (directive.name == "drop") return HandlerDecision{false, {}};
        if (directive.name == "bad") return fail(directive.where, "bad here");
        HandlerDecision decision;
        decision.child_frame.context = Context::server;
        return decision;
    }
};

TEST(Parser, HandlerDecidesBeforeTheBlockIsRead) {
    std::vector<Directive> out;
    BlockFrame top;
    top.directives = &out;
    Recorder recorder;
    auto parsed = parse_into("a { b; drop; } drop;", "t.conf", top, recorder);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(recorder.seen,
              (std::vector<std::string>{"a@1", "b@8 in a", "drop@8 in a", "drop@1"}));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].block.size() == 1 && out[0].block[0].name == "b");
}

TEST(Parser, HandlerErrorStopsBeforeLaterSyntaxErrors) {
    std::vector<Directive> out;
    BlockFrame top;
    top.directives = &out;
    Recorder recorder;
    auto parsed = parse_into("a;\nbad;\n}", "t.conf", top, recorder);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().to_string(), "t.conf:2: bad here");
}

}  // namespace
}  // namespace strata::config
