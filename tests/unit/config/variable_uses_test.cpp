#include "strata/config/detail/variable_uses.h"

#include <gtest/gtest.h>

#include "strata/config/core_directives.h"

namespace strata::config::detail {
namespace {

Directive directive(std::string name, std::vector<std::string> args, int line = 1) {
    Directive d;
    d.name = std::move(name);
    d.args = std::move(args);
    d.quoted.assign(d.args.size(), false);
    d.where = SourceLocation{"t.conf", line};
    return d;
}

const DirectiveSpec& spec_of(std::string_view name) {
    for (const DirectiveSpec& spec : core_directives()) {
        if (spec.name == name) return spec;
    }
    static const DirectiveSpec none{};
    return none;
}

// Collects each directive, then checks against nginx's variables: "ok" or the error.
std::string uses(std::vector<Directive> directives) {
    VariableUses collected;
    for (const Directive& d : directives) {
        auto status = collected.collect(d, spec_of(d.name));
        if (!status) return status.error().to_string();
    }
    auto checked = collected.check(nginx_variables());
    return checked ? "ok" : checked.error().to_string();
}

TEST(VariableUses, ValuesFromTheSpecsIndex) {
    EXPECT_EQ(uses({directive("rewrite", {"^/(.*)$", "/x/$1", "last"})}), "ok");
    EXPECT_EQ(uses({directive("rewrite", {"^/(.*)$", "/x/$nope"}, 4)}),
              "t.conf:4: unknown \"nope\" variable");
    EXPECT_EQ(uses({directive("try_files", {"$uri", "$uri/", "=404"})}), "ok");
    EXPECT_EQ(uses({directive("listen", {"$not_a_value"})}), "ok");  // not compiled
    EXPECT_EQ(uses({directive("gzip_disable", {"msie6$"})}), "ok");  // a regex
}

TEST(VariableUses, SyntaxErrorsAtOnce) {
    EXPECT_EQ(uses({directive("return", {"200", "${uri"}, 7)}),
              "t.conf:7: the closing bracket in \"uri\" variable is missing");
}

TEST(VariableUses, DefinitionsCountWhereverTheyAre) {
    EXPECT_EQ(uses({directive("return", {"200", "$mine"}), directive("set", {"$mine", "1"})}),
              "ok");
    EXPECT_EQ(uses({directive("return", {"200", "$user"}),
                    directive("location", {"~", "^/(?<user>\\w+)"})}),
              "ok");
}

TEST(VariableUses, IfConditions) {
    EXPECT_EQ(uses({directive("if", {"($http_x", "=", "$host)"})}), "ok");
    EXPECT_EQ(uses({directive("if", {"($nope)"}, 3)}), "t.conf:3: unknown \"nope\" variable");
    EXPECT_EQ(uses({directive("if", {"(!-f", "$request_filename)"})}), "ok");
    EXPECT_EQ(uses({directive("if", {"(-d", "$nope)"}, 2)}), "t.conf:2: unknown \"nope\" variable");
    EXPECT_EQ(uses({directive("if", {"($uri", "~", "^/a$)"})}), "ok");  // `$)` is an anchor
    EXPECT_EQ(uses({directive("if", {"($uri", "!=", "$nope)"})}),
              "t.conf:1: unknown \"nope\" variable");
}

}  // namespace
}  // namespace strata::config::detail
