// What proxy_pass sends as the request-target: nginx's URI rules, one line per case.
#include "strata/web/proxy_uri.h"

#include <gtest/gtest.h>

namespace strata::web {
namespace {

struct Case {
    const char* name;
    ProxiedRequestUri request;
    ProxyUriRule rule;
    const char* expected;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

constexpr std::optional<std::string_view> kNone = std::nullopt;

// request: target, $uri, $args, unchanged, internal, rewritten_here
// rule: uri part, location prefix, from variables
const Case kCases[] = {
    {"no_uri_part_sends_the_raw_target",
     {"/a/../b//c?x=1", "/b/c", "x=1"},
     {kNone, "/"},
     "/a/../b//c?x=1"},
    {"no_uri_part_keeps_escapes_as_sent", {"/a%20b?q", "/a b", "q"}, {kNone, "/"}, "/a%20b?q"},
    {"absolute_form_sends_path_and_query", {"http://h/p?q", "/p", "q"}, {kNone, "/"}, "/p?q"},
    {"uri_part_replaces_the_prefix",
     {"/app/x?y=2", "/app/x", "y=2"},
     {"/srv/", "/app/"},
     "/srv/x?y=2"},
    {"uri_part_root", {"/app/x", "/app/x", ""}, {"/", "/app/"}, "/x"},
    {"uri_part_uses_the_normalised_uri",
     {"/app/./x//y", "/app/x/y", ""},
     {"/srv/", "/app/"},
     "/srv/x/y"},
    {"uri_part_prefix_without_slash", {"/appx", "/appx", ""}, {"/srv", "/app"}, "/srvx"},
    {"uri_part_exact_location", {"/only", "/only", ""}, {"/there", "/only"}, "/there"},
    {"escaped_client_uri_is_escaped_again",
     {"/app/a%20b", "/app/a b", ""},
     {"/s/", "/app/"},
     "/s/a%20b"},
    {"escaped_client_uri_keeps_its_question_mark_escaped",
     {"/app/a%3Fb", "/app/a?b", ""},
     {"/s/", "/app/"},
     "/s/a%3Fb"},
    {"unescaped_utf8_passes_raw",
     {"/app/\xc3\xa9", "/app/\xc3\xa9", ""},
     {"/s/", "/app/"},
     "/s/\xc3\xa9"},
    {"internal_redirect_escapes",
     {"/old", "/app/\xc3\xa9 x", "", false, true},
     {"/s/", "/app/"},
     "/s/%C3%A9%20x"},
    {"rewrite_without_uri_part_sends_the_new_uri",
     {"/old?a=1", "/new", "a=1", false, true},
     {kNone, "/"},
     "/new?a=1"},
    {"rewrite_break_ignores_the_uri_part",
     {"/app/x", "/other/y", "", false, true, true},
     {"/srv/", "/app/"},
     "/other/y"},
    {"set_args_sends_the_new_args", {"/x?a=1", "/x", "b=2", false, false}, {kNone, "/"}, "/x?b=2"},
    {"variables_with_uri_part_send_it_as_is",
     {"/app/x?y", "/app/x", "y"},
     {"/fixed", "", true},
     "/fixed"},
    {"variables_without_uri_part_send_the_raw_target",
     {"/p%41?y", "/pA", "y"},
     {kNone, "", true},
     "/p%41?y"},
    {"variables_with_empty_uri_part_changed_request",
     {"/p", "/q", "", false, true},
     {"", "", true},
     "/q"},
};

class ProxyUri : public testing::TestWithParam<Case> {};

TEST_P(ProxyUri, IsWhatNginxSends) {
    const Case& c = GetParam();
    EXPECT_EQ(proxied_uri(c.request, c.rule), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Rules, ProxyUri, testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(UriEscape, EscapesWhatNginxEscapes) {
    std::string out;
    append_uri_escaped(out, "a b\"#%<>?\\^`{|}\x7f\x01\xff~!$&'()*+,;=:@[]/");
    EXPECT_EQ(out, "a%20b%22%23%25%3C%3E%3F%5C%5E%60%7B%7C%7D%7F%01%FF~!$&'()*+,;=:@[]/");
}

TEST(OriginForm, StripsSchemeAndAuthority) {
    EXPECT_EQ(origin_form("/a?b"), "/a?b");
    EXPECT_EQ(origin_form("http://host:8080/a?b"), "/a?b");
    EXPECT_EQ(origin_form("http://host?b"), "?b");
    EXPECT_EQ(origin_form("http://host"), "/");
}

}  // namespace
}  // namespace strata::web
