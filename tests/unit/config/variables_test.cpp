#include "strata/config/variables.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::config {
namespace {

// Parts rendered as `text` for literals, `$name` for variables, `#n` for captures,
// joined by '|'; an error renders as its message.
std::string compiled(std::string_view text, const VariableRegistry* known = nullptr) {
    auto value = compile_value(text, known);
    if (!value) return value.error().message;
    std::string out;
    for (const ValuePart& part : value->parts) {
        if (!out.empty()) out += '|';
        switch (part.kind) {
            case ValuePart::Kind::literal:
                out += part.text;
                break;
            case ValuePart::Kind::variable:
                out += '$' + part.text;
                break;
            case ValuePart::Kind::capture:
                out += '#' + std::to_string(part.capture);
                break;
        }
    }
    return out;
}

struct Case {
    const char* text;
    const char* expected;
};

// Syntax as nginx 1.22 reads it (`return 200 "…"`).
const Case kCases[] = {
    {"", ""},
    {"plain", "plain"},
    {"$uri", "$uri"},
    {"${uri}", "$uri"},
    {"${uri}x", "$uri|x"},
    {"$uri/", "$uri|/"},
    {"/a/$uri.html", "/a/|$uri|.html"},
    {"$scheme://$host$request_uri", "$scheme|://|$host|$request_uri"},
    {"$URI", "$uri"},
    {"$1", "#1"},
    {"/x/$1/$9", "/x/|#1|/|#9"},
    {"$10", "#1|0"},
    {"$0", "$0"},
    {"${1}", "$1"},
    {"$arg_name", "$arg_name"},
    {"$a.b", "$a|.b"},
    {"${uri}}", "$uri|}"},
    {"$uri{", "$uri|{"},
    {"$", "invalid variable name"},
    {"a$", "invalid variable name"},
    {"a$-", "invalid variable name"},
    {"$$", "invalid variable name"},
    {"${}", "invalid variable name"},
    {"${uri", "the closing bracket in \"uri\" variable is missing"},
    {"${a-b}", "the closing bracket in \"a\" variable is missing"},
};

class CompileCases : public ::testing::TestWithParam<Case> {};

TEST_P(CompileCases, Parts) {
    EXPECT_EQ(compiled(GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, CompileCases, ::testing::ValuesIn(kCases));

TEST(CompileValue, UnknownVariablesWhenARegistryIsGiven) {
    const VariableRegistry known = nginx_variables();
    EXPECT_EQ(compiled("$uri$args$Http_Host$cookie_x$sent_http_x$arg_", &known),
              "$uri|$args|$http_host|$cookie_x|$sent_http_x|$arg_");
    EXPECT_EQ(compiled("$upstream_http_x$1", &known), "$upstream_http_x|#1");
    EXPECT_EQ(compiled("$foo", &known), "unknown \"foo\" variable");
    EXPECT_EQ(compiled("$0", &known), "unknown \"0\" variable");
}

TEST(CompileValue, ErrorsCarryTheLocation) {
    auto value = compile_value("$nope", nullptr, SourceLocation{"t.conf", 3});
    ASSERT_TRUE(value.ok());
    VariableRegistry empty;
    auto unknown = compile_value("x$nope", &empty, SourceLocation{"t.conf", 3});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().to_string(), "t.conf:3: unknown \"nope\" variable");
}

TEST(CompiledValue, HasVariables) {
    EXPECT_FALSE(compile_value("/index.html")->has_variables());
    EXPECT_TRUE(compile_value("/$1")->has_variables());
}

TEST(VariableRegistry, NamesAndPrefixFamiliesFilledByLayers) {
    VariableRegistry registry;
    EXPECT_FALSE(registry.knows("wsgi_app"));
    constexpr std::string_view names[] = {"wsgi_app"};
    constexpr std::string_view prefixes[] = {"wsgi_env_"};
    registry.add_names(names);
    registry.add_prefixes(prefixes);
    EXPECT_TRUE(registry.knows("WSGI_APP"));
    EXPECT_TRUE(registry.knows("wsgi_env_path_info"));
    EXPECT_FALSE(registry.knows("wsgi_other"));
}

TEST(RegexCaptureNames, AllThreeSyntaxes) {
    EXPECT_EQ(regex_capture_names("^/(?<user>[^/]+)/(?P<page>\\d+)(?'rest'.*)$"),
              (std::vector<std::string>{"user", "page", "rest"}));
    EXPECT_TRUE(regex_capture_names("(?<=a)(?<!b)(x)").empty());
}

}  // namespace
}  // namespace strata::config
