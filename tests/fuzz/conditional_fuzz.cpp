// Request preconditions (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since)
// and the HTTP-date parser under them. Properties: no crash; no precondition means
// proceed; only GET and HEAD are told "not modified"; "*" matches any entity-tag, and an
// entity-tag matches itself (weakly always, strongly unless weak); a date formatted for
// Last-Modified parses back to it and, sent as If-Modified-Since, gives 304.
//
// Input: [flags][Last-Modified: 8 bytes] ETag LF If-Match LF If-None-Match LF
//        If-Modified-Since LF If-Unmodified-Since
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "strata/base/http_date.h"
#include "strata/web/conditional.h"

namespace strata::fuzz {
namespace {

using web::EtagComparison;
using web::Precondition;

// 9999-12-31T23:59:59Z: the last second an IMF-fixdate's four-digit year can name.
constexpr std::time_t kLastFormattable = 253402300799;

std::string_view next_line(std::string_view& rest) {
    size_t lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest = lf == std::string_view::npos ? std::string_view() : rest.substr(lf + 1);
    return line;
}

void check_etag_matching(std::string_view etag) {
    require(web::etag_list_matches("*", etag, EtagComparison::strong), "* did not match");
    if (etag.empty()) return;
    require(web::etag_list_matches(etag, etag, EtagComparison::weak), "no weak self-match", etag);
    require(web::etag_list_matches(etag, etag, EtagComparison::strong) != web::is_weak_etag(etag),
            "strong self-match wrong", etag);
}

void check_dates(std::time_t last_modified, web::IfModifiedSince mode) {
    if (last_modified < 0 || last_modified > kLastFormattable) return;
    char date[kHttpDateLength];
    format_http_date(last_modified, date);
    std::string_view text(date, kHttpDateLength);
    auto parsed = parse_http_date(text);
    require(parsed && *parsed == last_modified, "a formatted date does not parse back", text);
    if (mode == web::IfModifiedSince::off) return;
    web::ConditionalHeaders headers{.method = "GET", .if_modified_since = text};
    require(web::evaluate_preconditions(headers, {"", last_modified}, mode) ==
                Precondition::not_modified,
            "If-Modified-Since equal to Last-Modified did not give 304", text);
}

void run(FuzzInput in) {
    uint8_t flags = in.byte();
    auto last_modified = static_cast<std::time_t>(in.u64());
    if (flags & 1) last_modified %= kLastFormattable + 1;  // mostly dates that exist
    static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT"};
    static constexpr web::IfModifiedSince kModes[] = {
        web::IfModifiedSince::exact, web::IfModifiedSince::before, web::IfModifiedSince::off,
        web::IfModifiedSince::exact};
    web::IfModifiedSince mode = kModes[(flags >> 3) & 3];

    const std::string text(in.rest());
    std::string_view rest = text;
    std::string_view etag = next_line(rest);
    web::ConditionalHeaders headers{.method = kMethods[(flags >> 1) & 3]};
    std::optional<std::string_view>* slots[] = {&headers.if_match, &headers.if_none_match,
                                                &headers.if_modified_since,
                                                &headers.if_unmodified_since};
    for (auto* slot : slots)
        if (!rest.empty()) *slot = next_line(rest);

    Precondition p = web::evaluate_preconditions(headers, {etag, last_modified}, mode);
    bool none = !headers.if_match && !headers.if_none_match && !headers.if_modified_since &&
                !headers.if_unmodified_since;
    require(!none || p == Precondition::proceed, "no precondition but not proceed");
    if (p == Precondition::not_modified)
        require(headers.method == "GET" || headers.method == "HEAD", "304 for an unsafe method");
    check_etag_matching(etag);
    check_dates(last_modified, mode);
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run(strata::fuzz::FuzzInput(data, size));
    return 0;
}
