// The response for a regular file, through nginx's filters in nginx's order: the
// conditional requests (304/412), expires and add_header, gzip, then byte ranges.
#pragma once

#include <sys/stat.h>

#include <string>

#include "strata/web/request_context.h"

namespace strata::web {

// Takes ownership of `fd` (open on `path`, described by `st`).
void respond_with_file(RequestContext& ctx, const std::string& path, int fd, const struct stat& st);

}  // namespace strata::web
