// Preconditions as nginx 1.22.1 answers them for a static file. Each row was probed with
// curl against a real nginx serving a 12-byte file with ETag "6b04ef7a-c" and
// Last-Modified Tue, 24 Nov 2026 01:59:22 GMT; rows marked RFC are where strata follows
// RFC 9110 instead and nginx's static module cannot show a difference.
#include "strata/web/conditional.h"

#include <gtest/gtest.h>

#include <optional>

namespace strata::web {
namespace {

using P = Precondition;
using Opt = std::optional<std::string_view>;

constexpr std::string_view kEtag = "\"6b04ef7a-c\"";
constexpr std::time_t kMtime = 1795485562;  // Tue, 24 Nov 2026 01:59:22 GMT
constexpr const char* kSame = "Tue, 24 Nov 2026 01:59:22 GMT";
constexpr const char* kLater = "Tue, 24 Nov 2026 01:59:23 GMT";
constexpr const char* kEarlier = "Tue, 24 Nov 2026 01:59:21 GMT";
constexpr Opt kNone = std::nullopt;

struct Case {
    Opt if_match, if_none_match, if_modified_since, if_unmodified_since;
    P expected;
    const char* method = "GET";
    IfModifiedSince mode = IfModifiedSince::exact;
    std::string_view etag = kEtag;
};

P run(const Case& c) {
    ConditionalHeaders h{c.method, c.if_match, c.if_none_match, c.if_modified_since,
                         c.if_unmodified_since};
    return evaluate_preconditions(h, {c.etag, kMtime}, c.mode);
}

const Case kCases[] = {
    // {If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since} → answer
    {kNone, kNone, kNone, kNone, P::proceed},
    // If-Match: strong comparison, lists, "*".
    {"\"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed},
    {"W/\"6b04ef7a-c\"", kNone, kNone, kNone, P::precondition_failed},
    {"*", kNone, kNone, kNone, P::proceed},
    {"\"x\", \"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed},
    {"\"x\",\"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed},
    {"\"x\" , \"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed},
    {"\"x\" ,, \"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed},
    {"W/\"x\", \"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed},
    {"\"x\"", kNone, kNone, kNone, P::precondition_failed},
    {"6b04ef7a-c", kNone, kNone, kNone, P::precondition_failed},
    {"", kNone, kNone, kNone, P::precondition_failed},  // "If-Match:" with no value
    // If-None-Match: weak comparison, lists, "*" only as the whole value.
    {kNone, "\"6b04ef7a-c\"", kNone, kNone, P::not_modified},
    {kNone, "W/\"6b04ef7a-c\"", kNone, kNone, P::not_modified},
    {kNone, "*", kNone, kNone, P::not_modified},
    {kNone, "\"a\", W/\"6b04ef7a-c\"", kNone, kNone, P::not_modified},
    {kNone, "x, \"6b04ef7a-c\"", kNone, kNone, P::not_modified},
    {kNone, ",\"6b04ef7a-c\"", kNone, kNone, P::not_modified},
    {kNone, "\"6b04ef7a-c\",", kNone, kNone, P::not_modified},
    {kNone, "\"6b04ef7a-c\" , ", kNone, kNone, P::not_modified},
    {kNone, "\"a\"", kNone, kNone, P::proceed},
    {kNone, "", kNone, kNone, P::proceed},
    {kNone, "\"6b04ef7a-C\"", kNone, kNone, P::proceed},  // case-sensitive
    {kNone, "6b04ef7a-c", kNone, kNone, P::proceed},
    {kNone, "\"6b04ef7a-c", kNone, kNone, P::proceed},
    {kNone, "\"6b04ef7a-c\"x", kNone, kNone, P::proceed},
    {kNone, "\"6b04ef7a-c\" x", kNone, kNone, P::proceed},
    {kNone, "x \"6b04ef7a-c\"", kNone, kNone, P::proceed},
    {kNone, "\"a\" \"6b04ef7a-c\"", kNone, kNone, P::proceed},
    {kNone, "\"a\";\"6b04ef7a-c\"", kNone, kNone, P::proceed},
    {kNone, "*, \"a\"", kNone, kNone, P::proceed},
    {kNone, "\"a\", *", kNone, kNone, P::proceed},
    {kNone, "w/\"6b04ef7a-c\"", kNone, kNone, P::proceed},
    {kNone, "W/ \"6b04ef7a-c\"", kNone, kNone, P::proceed},
    // If-Modified-Since, exact by default; unparseable dates are ignored.
    {kNone, kNone, kSame, kNone, P::not_modified},
    {kNone, kNone, kLater, kNone, P::proceed},
    {kNone, kNone, kEarlier, kNone, P::proceed},
    {kNone, kNone, "junk", kNone, P::proceed},
    {kNone, kNone, "", kNone, P::proceed},
    {kNone, kNone, "Tuesday, 24-Nov-26 01:59:22 GMT", kNone, P::not_modified},
    {kNone, kNone, "Tue Nov 24 01:59:22 2026", kNone, P::not_modified},
    {kNone, kNone, "Tue, 24 Nov 2026 01:59:22 GMT; length=12", kNone, P::not_modified},
    {kNone, kNone, kLater, kNone, P::not_modified, "GET", IfModifiedSince::before},
    {kNone, kNone, kSame, kNone, P::not_modified, "GET", IfModifiedSince::before},
    {kNone, kNone, kEarlier, kNone, P::proceed, "GET", IfModifiedSince::before},
    {kNone, kNone, "junk", kNone, P::proceed, "GET", IfModifiedSince::before},
    {kNone, kNone, kSame, kNone, P::proceed, "GET", IfModifiedSince::off},
    // Both sent: nginx wants both to say "not modified" (RFC 9110 would drop IMS).
    {kNone, "\"6b04ef7a-c\"", kSame, kNone, P::not_modified},
    {kNone, "\"6b04ef7a-c\"", kEarlier, kNone, P::proceed},
    {kNone, "\"6b04ef7a-c\"", "junk", kNone, P::proceed},
    {kNone, "\"a\"", kSame, kNone, P::proceed},
    {kNone, "\"6b04ef7a-c\"", kEarlier, kNone, P::proceed, "GET", IfModifiedSince::before},
    {kNone, "\"6b04ef7a-c\"", kSame, kNone, P::proceed, "GET", IfModifiedSince::off},
    {kNone, "\"6b04ef7a-c\"", kNone, kNone, P::not_modified, "GET", IfModifiedSince::off},
    // If-Unmodified-Since; nginx fails an unparseable date (RFC 9110 would ignore it).
    {kNone, kNone, kNone, kSame, P::proceed},
    {kNone, kNone, kNone, kLater, P::proceed},
    {kNone, kNone, kNone, kEarlier, P::precondition_failed},
    {kNone, kNone, kNone, "junk", P::precondition_failed},
    {kNone, kNone, kNone, "", P::precondition_failed},
    // Combinations: 412s win, and If-Unmodified-Since counts even with If-Match.
    {"\"6b04ef7a-c\"", kNone, kNone, kEarlier, P::precondition_failed},
    {"\"x\"", kNone, kNone, kSame, P::precondition_failed},
    {"\"6b04ef7a-c\"", "\"6b04ef7a-c\"", kNone, kNone, P::not_modified},
    {"\"x\"", "\"6b04ef7a-c\"", kNone, kNone, P::precondition_failed},
    {kNone, "\"6b04ef7a-c\"", kNone, kEarlier, P::precondition_failed},
    // HEAD like GET; RFC 9110 §13.1.2: other methods get 412, not 304 (nginx's static
    // module answers them 405 before conditions).
    {kNone, "\"6b04ef7a-c\"", kNone, kNone, P::not_modified, "HEAD"},
    {kNone, "\"6b04ef7a-c\"", kNone, kNone, P::precondition_failed, "POST"},
    {kNone, "*", kNone, kNone, P::precondition_failed, "PUT"},
    {kNone, kNone, kSame, kNone, P::precondition_failed, "DELETE"},
    {"\"6b04ef7a-c\"", kNone, kNone, kNone, P::proceed, "PUT"},
    // etag off: only "*" can match; dates still work.
    {kNone, "\"6b04ef7a-c\"", kNone, kNone, P::proceed, "GET", IfModifiedSince::exact, ""},
    {"\"6b04ef7a-c\"", kNone, kNone, kNone, P::precondition_failed, "GET", IfModifiedSince::exact,
     ""},
    {"*", kNone, kNone, kNone, P::proceed, "GET", IfModifiedSince::exact, ""},
    {kNone, "*", kNone, kNone, P::not_modified, "GET", IfModifiedSince::exact, ""},
    {kNone, kNone, kSame, kNone, P::not_modified, "GET", IfModifiedSince::exact, ""},
    // RFC: a weak ETag (a gzipped response) never passes If-Match, passes If-None-Match.
    {"W/\"6b04ef7a-c\"", kNone, kNone, kNone, P::precondition_failed, "GET", IfModifiedSince::exact,
     "W/\"6b04ef7a-c\""},
    {"\"6b04ef7a-c\"", kNone, kNone, kNone, P::precondition_failed, "GET", IfModifiedSince::exact,
     "W/\"6b04ef7a-c\""},
    {kNone, "\"6b04ef7a-c\"", kNone, kNone, P::not_modified, "GET", IfModifiedSince::exact,
     "W/\"6b04ef7a-c\""},
    {kNone, "W/\"6b04ef7a-c\"", kNone, kNone, P::not_modified, "GET", IfModifiedSince::exact,
     "W/\"6b04ef7a-c\""},
};

TEST(Conditional, AnswersAsNginxDoes) {
    int row = 0;
    for (const Case& c : kCases) {
        EXPECT_EQ(run(c), c.expected)
            << "row " << row << ": If-Match=" << c.if_match.value_or("-")
            << " If-None-Match=" << c.if_none_match.value_or("-")
            << " IMS=" << c.if_modified_since.value_or("-")
            << " IUS=" << c.if_unmodified_since.value_or("-") << " " << c.method;
        ++row;
    }
}

TEST(Conditional, UnknownLastModifiedPassesDateConditions) {
    ConditionalHeaders h{"GET", kNone, kNone, kSame, kEarlier};
    EXPECT_EQ(evaluate_preconditions(h, {kEtag, -1}, IfModifiedSince::exact), P::proceed);
}

TEST(Conditional, TakesTheFirstOfEachHeaderCaseInsensitively) {
    http::RequestHead request;
    request.method = "HEAD";
    request.headers = {{"if-none-match", "\"a\""},
                       {"IF-MATCH", ""},
                       {"If-None-Match", "\"b\""},
                       {"If-Modified-Since", kSame},
                       {"If-Unmodified-Since", kLater}};
    ConditionalHeaders h = conditional_headers(request);
    EXPECT_EQ(h.method, "HEAD");
    EXPECT_EQ(h.if_none_match, Opt("\"a\""));
    EXPECT_EQ(h.if_match, Opt(""));
    EXPECT_EQ(h.if_modified_since, Opt(kSame));
    EXPECT_EQ(h.if_unmodified_since, Opt(kLater));
    EXPECT_EQ(conditional_headers(http::RequestHead{}).if_match, kNone);
}

}  // namespace
}  // namespace strata::web
