// Request preconditions (RFC 9110 §13) evaluated the way nginx 1.22's not_modified filter
// does for a 200 response, so that a client sees the same 304/412 from strata as from
// nginx. Pure: the caller supplies the header values and the resource's validators.
//
//   auto headers = conditional_headers(request);
//   switch (evaluate_preconditions(headers, {etag, st.st_mtime}, IfModifiedSince::exact)) …
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "strata/http/request_head.h"

namespace strata::web {

// What a resource can be compared against. `etag` is empty when there is none (nginx's
// `etag off`); `last_modified` is -1 when unknown.
struct Validators {
    std::string_view etag;  // quoted, e.g. "\"6b04eb9f-c\"" or weak "W/\"…\""
    std::time_t last_modified = -1;
};

// nginx's `if_modified_since` directive.
enum class IfModifiedSince : uint8_t {
    off,     // the header is never satisfied
    exact,   // 304 only when the date equals Last-Modified (nginx's default)
    before,  // 304 when Last-Modified is at or before the date
};

// The precondition fields of a request; absent ones are nullopt (an empty value is not
// the same as no header: nginx fails `If-Match:` with nothing after it).
struct ConditionalHeaders {
    std::string_view method;
    std::optional<std::string_view> if_match;
    std::optional<std::string_view> if_none_match;
    std::optional<std::string_view> if_modified_since;
    std::optional<std::string_view> if_unmodified_since;
};

// The first occurrence of each field (nginx 1.22 rejects repeats of these with 400
// before they get here).
ConditionalHeaders conditional_headers(const http::RequestHead& request);

enum class Precondition : uint8_t {
    proceed,              // send the response as it would be without the conditions
    not_modified,         // 304
    precondition_failed,  // 412
};

Precondition evaluate_preconditions(const ConditionalHeaders& headers, const Validators& resource,
                                    IfModifiedSince mode);

// Whether an If-Match / If-None-Match value names `etag`: `*` alone matches anything,
// otherwise a comma-separated list is scanned as nginx does (elements it cannot read are
// skipped). Weak comparison ignores a "W/" on either side; strong comparison never
// matches a weak `etag` (RFC 9110 §8.8.3.2).
enum class EtagComparison : uint8_t { strong, weak };
bool etag_list_matches(std::string_view list, std::string_view etag, EtagComparison comparison);

bool is_weak_etag(std::string_view etag);

}  // namespace strata::web
