#include "strata/web/conditional.h"

#include "strata/base/http_date.h"

namespace strata::web {
namespace {

constexpr std::string_view kWeakPrefix = "W/";

bool is_list_space(char c) {
    return c == ' ' || c == '\t';
}

// Moves past the current list element, the comma and any blanks or empty elements.
size_t next_list_element(std::string_view list, size_t pos) {
    pos = list.find(',', pos);
    if (pos == std::string_view::npos) return list.size();
    while (pos < list.size() && (list[pos] == ',' || is_list_space(list[pos])))
        ++pos;
    return pos;
}

// Whether the element at `pos` is exactly `etag`, followed only by blanks up to a comma.
bool element_is(std::string_view list, size_t pos, std::string_view etag) {
    if (list.substr(pos, etag.size()) != etag) return false;
    pos += etag.size();
    while (pos < list.size() && is_list_space(list[pos]))
        ++pos;
    return pos == list.size() || list[pos] == ',';
}

// If-Unmodified-Since holds when the resource is no newer than the date. nginx fails a
// date it cannot parse (RFC 9110 says ignore it); strata keeps nginx's answer, the
// stricter one. A resource without a date ignores the header, as RFC 9110 §13.1.4 asks.
bool unmodified_since(std::string_view value, std::time_t last_modified) {
    if (last_modified == -1) return true;
    auto date = parse_http_date(value);
    return date && last_modified <= *date;
}

// Whether If-Modified-Since lets the response through (the resource counts as modified).
// An unparseable date never equals Last-Modified, so it lets the response through.
bool modified_since(std::string_view value, std::time_t last_modified, IfModifiedSince mode) {
    if (last_modified == -1 || mode == IfModifiedSince::off) return true;
    auto date = parse_http_date(value);
    if (!date) return true;
    if (*date == last_modified) return false;
    return mode == IfModifiedSince::exact || *date < last_modified;
}

bool is_get_or_head(std::string_view method) {
    return method == "GET" || method == "HEAD";
}

}  // namespace

bool is_weak_etag(std::string_view etag) {
    return etag.starts_with(kWeakPrefix);
}

bool etag_list_matches(std::string_view list, std::string_view etag, EtagComparison comparison) {
    if (list == "*") return true;
    if (etag.empty()) return false;
    bool weak = comparison == EtagComparison::weak;
    if (!weak && is_weak_etag(etag)) return false;
    if (weak && is_weak_etag(etag)) etag.remove_prefix(kWeakPrefix.size());
    for (size_t pos = 0; pos < list.size(); pos = next_list_element(list, pos)) {
        if (weak && list.substr(pos).starts_with(kWeakPrefix)) pos += kWeakPrefix.size();
        if (element_is(list, pos, etag)) return true;
    }
    return false;
}

ConditionalHeaders conditional_headers(const http::RequestHead& request) {
    ConditionalHeaders headers;
    headers.method = request.method;
    for (const http::Header& h : request.headers) {
        std::optional<std::string_view>* slot = nullptr;
        if (http::iequals(h.name, "If-Match")) slot = &headers.if_match;
        if (http::iequals(h.name, "If-None-Match")) slot = &headers.if_none_match;
        if (http::iequals(h.name, "If-Modified-Since")) slot = &headers.if_modified_since;
        if (http::iequals(h.name, "If-Unmodified-Since")) slot = &headers.if_unmodified_since;
        if (slot != nullptr && !*slot) *slot = h.value;
    }
    return headers;
}

// nginx's order, which differs from RFC 9110 §13.2.2 in two ways strata keeps for
// byte-for-byte answers (neither can expose anything): If-Unmodified-Since is checked even
// when If-Match is present, and If-Modified-Since is not ignored when If-None-Match is
// present — a 304 needs every validator sent to agree.
Precondition evaluate_preconditions(const ConditionalHeaders& headers, const Validators& resource,
                                    IfModifiedSince mode) {
    if (headers.if_unmodified_since &&
        !unmodified_since(*headers.if_unmodified_since, resource.last_modified))
        return Precondition::precondition_failed;
    if (headers.if_match &&
        !etag_list_matches(*headers.if_match, resource.etag, EtagComparison::strong))
        return Precondition::precondition_failed;
    if (!headers.if_modified_since && !headers.if_none_match) return Precondition::proceed;
    if (headers.if_modified_since &&
        modified_since(*headers.if_modified_since, resource.last_modified, mode))
        return Precondition::proceed;
    if (headers.if_none_match &&
        !etag_list_matches(*headers.if_none_match, resource.etag, EtagComparison::weak))
        return Precondition::proceed;
    // RFC 9110 §13.1.2: only a safe retrieval may be answered "not modified"; any other
    // method must not be told its condition held.
    return is_get_or_head(headers.method) ? Precondition::not_modified
                                          : Precondition::precondition_failed;
}

}  // namespace strata::web
