// A file sent through gzip as the client takes it: a slice is read and compressed only
// when the connection's unsent output is below a window, so a large file costs a
// bounded amount of memory. The response goes on after the handler has returned; the
// stream owns what it needs until the end (the file, the encoder, a copy of the
// request's context for the access log) and frees itself then.
#pragma once

#include <cstdint>

#include "strata/web/file_response.h"
#include "strata/web/gzip_filter.h"
#include "strata/web/request_context.h"

namespace strata::web {

// Answers with `head` (already marked gzipped) and the `size` bytes of `body`,
// compressed with `params`.
void stream_gzipped_file(RequestContext& ctx, const net::ResponseHead& head, FileBody body,
                         uint64_t size, const GzipParams& params);

}  // namespace strata::web
