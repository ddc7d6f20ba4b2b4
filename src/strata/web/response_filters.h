// nginx's header and body filters that every response passes through, in its order:
// conditional requests (200 only), expires and add_header, then gzip.
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

#include "strata/web/conditional.h"
#include "strata/web/gzip_filter.h"
#include "strata/web/request_context.h"

namespace strata::web {

// The answer the request's preconditions call for (304 or 412), if any, for a 200
// response with these validators.
std::optional<int> precondition_status(const RequestContext& ctx, const Validators& validators);

// A 304: the head of the response it stands for, without body, type or length.
void respond_not_modified(RequestContext& ctx, net::ResponseHead head, std::time_t mtime);

// Expires and Cache-Control, then add_header.
void add_header_filter(RequestContext& ctx, net::ResponseHead& head, std::time_t mtime);

// nginx's gzip settings of a level as the filter uses them.
GzipOptions build_gzip_options(const LocationSettings& settings);
// The compiled options of `settings`, or built into `scratch` when it has none.
const GzipOptions& gzip_options(const LocationSettings& settings, GzipOptions& scratch);

// decide_gzip() for this request; with gzip off the request's headers are not read.
GzipDecision decide_gzip_for(const RequestContext& ctx, const GzipOptions& options,
                             const GzipResponse& response);

// What gzip changes in a head: chunked (the length is unknown), the ETag made weak,
// "Content-Encoding: gzip" last.
void mark_gzipped(RequestContext& ctx, net::ResponseHead& head);

// Sends `body` gzipped if nginx's rules say so (setting Vary either way), else as it is.
void respond_through_gzip(RequestContext& ctx, net::ResponseHead& head, std::string_view body);

}  // namespace strata::web
