// Unlinked temporary files (request bodies, buffered upstream responses): nothing is
// left on disk if the process dies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::net {

// A new read-write file in `dir`, already unlinked (O_TMPFILE, or mkostemp + unlink where
// the file system has no O_TMPFILE); -1 with errno set when it cannot be made. `what`
// names it in the fallback's file name ("body", "proxy").
int open_temp_file(const std::string& dir, std::string_view what);

// Closes a temporary file. The last close of a large unlinked file frees its blocks there
// and then (~100 ms for 1.5 GiB on ext4): past kLargeTempFile that is done on a thread of
// its own, so the event loop that held the file goes on serving.
inline constexpr uint64_t kLargeTempFile = 64 * 1024 * 1024;
void close_temp_file(int fd);

}  // namespace strata::net
