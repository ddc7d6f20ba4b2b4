// The content phase for files: try_files, index (an internal redirect, as nginx's
// index module does), directory redirects, and the file itself.
#pragma once

#include <string>

#include "strata/web/request_context.h"

namespace strata::web {

void run_content_phase(RequestContext& ctx);

// The file system path for `uri` in the current location: root + URI, or the
// location's alias in place of its prefix.
std::string map_uri_to_path(const RequestContext& ctx, std::string_view uri);

// How the location's disable_symlinks applies to `path`.
SymlinkCheck symlink_check(const RequestContext& ctx, const std::string& path);

}  // namespace strata::web
