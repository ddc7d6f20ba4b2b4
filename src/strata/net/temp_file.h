// Unlinked temporary files (request bodies, buffered upstream responses): nothing is
// left on disk if the process dies.
#pragma once

#include <string>
#include <string_view>

namespace strata::net {

// A new read-write file in `dir`, already unlinked (O_TMPFILE, or mkostemp + unlink where
// the file system has no O_TMPFILE); -1 with errno set when it cannot be made. `what`
// names it in the fallback's file name ("body", "proxy").
int open_temp_file(const std::string& dir, std::string_view what);

}  // namespace strata::net
