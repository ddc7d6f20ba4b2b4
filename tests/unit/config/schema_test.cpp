#include "strata/config/schema.h"

#include <gtest/gtest.h>

#include <array>

namespace strata::config {
namespace {

Status no_tens(const Directive& directive, const BlockFrame&) {
    if (directive.args.at(0) != "10") return success();
    return fail(directive.where, "ten is not allowed");
}

// A module's table, as a later layer would register it.
constexpr auto kSpecs = std::to_array<DirectiveSpec>({
    {"wsgi_app", Context::location, arity::one},
    {"wsgi_flag", contexts::any_http, arity::flag},
    {"wsgi_env", contexts::any_http, arity::two, BlockKind::none, Context::none, true},
    {"wsgi_pool", Context::http, arity::one_or_more, BlockKind::directives, Context::extra1, true},
    {"member", Context::extra1, arity::one_to_three, BlockKind::none, Context::none, true},
    {"wsgi_root", Context::location, arity::one, BlockKind::none, Context::none, false,
     "wsgi_alias"},
    {"wsgi_alias", Context::location, arity::one, BlockKind::none, Context::none, false,
     "wsgi_root"},
    {"wsgi_workers", Context::http, arity::one, BlockKind::none, Context::none, false, {}, no_tens},
    {"member", Context::http, arity::none},
});

DirectiveRegistry registry() {
    DirectiveRegistry r;
    r.register_directives(kSpecs);
    return r;
}

Directive directive(std::string name, std::vector<std::string> args, bool block = false) {
    Directive d;
    d.name = std::move(name);
    d.args = std::move(args);
    d.quoted.assign(d.args.size(), false);
    d.where = SourceLocation{"t.conf", 9};
    d.has_block = block;
    return d;
}

// The outcome of checking `d` in `context` after `before`: the spec's name and
// contexts, or the error message.
std::string check(const Directive& d, Context context, std::vector<Directive> before = {}) {
    BlockFrame frame;
    frame.context = context;
    frame.directives = &before;
    const DirectiveRegistry r = registry();  // the spec returned points into it
    auto spec = r.check(d, frame);
    if (!spec) return spec.error().message;
    return "ok " + std::string((*spec)->name);
}

TEST(DirectiveRegistry, UnknownAndMisplaced) {
    EXPECT_EQ(check(directive("wsgi_ap", {"x"}), Context::location),
              "unknown directive \"wsgi_ap\"");
    EXPECT_EQ(check(directive("wsgi_app", {"x"}), Context::server),
              "\"wsgi_app\" directive is not allowed here");
    EXPECT_EQ(check(directive("wsgi_app", {"x"}), Context::location), "ok wsgi_app");
}

TEST(DirectiveRegistry, BlockShape) {
    EXPECT_EQ(check(directive("wsgi_app", {"x"}, true), Context::location),
              "directive \"wsgi_app\" is not terminated by \";\"");
    EXPECT_EQ(check(directive("wsgi_pool", {"x"}), Context::http),
              "directive \"wsgi_pool\" has no opening \"{\"");
    EXPECT_EQ(check(directive("wsgi_pool", {"x"}, true), Context::http), "ok wsgi_pool");
}

TEST(DirectiveRegistry, ArgumentCounts) {
    EXPECT_EQ(check(directive("wsgi_app", {}), Context::location),
              "invalid number of arguments in \"wsgi_app\" directive");
    EXPECT_EQ(check(directive("wsgi_app", {"a", "b"}), Context::location),
              "invalid number of arguments in \"wsgi_app\" directive");
    EXPECT_EQ(check(directive("wsgi_env", {"a"}), Context::http),
              "invalid number of arguments in \"wsgi_env\" directive");
    EXPECT_EQ(check(directive("wsgi_pool", {}, true), Context::http),
              "invalid number of arguments in \"wsgi_pool\" directive");
    EXPECT_EQ(check(directive("member", {"a", "b", "c", "d"}), Context::extra1),
              "invalid number of arguments in \"member\" directive");
    EXPECT_EQ(check(directive("member", {"a", "b", "c"}), Context::extra1), "ok member");
}

TEST(DirectiveRegistry, FlagsAreOnOrOff) {
    EXPECT_EQ(check(directive("wsgi_flag", {"On"}), Context::server), "ok wsgi_flag");
    EXPECT_EQ(check(directive("wsgi_flag", {"yes"}), Context::server),
              "invalid value \"yes\" in \"wsgi_flag\" directive, it must be \"on\" or \"off\"");
    EXPECT_EQ(check(directive("wsgi_flag", {}), Context::server),
              "invalid number of arguments in \"wsgi_flag\" directive");
}

TEST(DirectiveRegistry, DuplicatesInOneBlock) {
    const Directive flag = directive("wsgi_flag", {"on"});
    EXPECT_EQ(check(flag, Context::server, {flag}), "\"wsgi_flag\" directive is duplicate");
    const Directive env = directive("wsgi_env", {"a", "b"});
    EXPECT_EQ(check(env, Context::server, {env}), "ok wsgi_env");
    // a duplicate is reported before a bad value, as nginx's flag slot does
    EXPECT_EQ(check(directive("wsgi_flag", {"x"}), Context::server, {flag}),
              "\"wsgi_flag\" directive is duplicate");
}

TEST(DirectiveRegistry, ConflictingDirectives) {
    EXPECT_EQ(
        check(directive("wsgi_alias", {"a"}), Context::location, {directive("wsgi_root", {"b"})}),
        "\"wsgi_alias\" directive is duplicate, \"wsgi_root\" directive was specified "
        "earlier");
}

TEST(DirectiveRegistry, SpecCheckRunsLast) {
    EXPECT_EQ(check(directive("wsgi_workers", {"10"}), Context::http), "ten is not allowed");
    EXPECT_EQ(check(directive("wsgi_workers", {"4"}), Context::http), "ok wsgi_workers");
}

TEST(DirectiveRegistry, SameNameInDifferentContexts) {
    EXPECT_EQ(check(directive("member", {}), Context::http), "ok member");
    EXPECT_EQ(check(directive("member", {"a"}), Context::extra1), "ok member");
    EXPECT_EQ(check(directive("member", {"a"}), Context::server),
              "\"member\" directive is not allowed here");
}

TEST(DirectiveRegistry, KnowsAndChildFrames) {
    const DirectiveRegistry r = registry();
    EXPECT_TRUE(r.knows("wsgi_pool"));
    EXPECT_FALSE(r.knows("proxy_pass"));
    BlockFrame frame;
    frame.context = Context::http;
    std::vector<Directive> none;
    frame.directives = &none;
    auto spec = r.check(directive("wsgi_pool", {"p"}, true), frame);
    ASSERT_TRUE(spec.ok());
    const BlockFrame child = child_frame_for(**spec);
    EXPECT_EQ(child.context, Context::extra1);
    EXPECT_FALSE(child.free_form);
}

}  // namespace
}  // namespace strata::config
