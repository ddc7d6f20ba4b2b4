// The response for a regular file, through nginx's filters in nginx's order: the
// conditional requests (304/412), expires and add_header, gzip, then byte ranges.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <utility>

#include "strata/web/request_context.h"

namespace strata::web {

// A file's bytes: an open descriptor (owned, sent with sendfile) or its cached content.
struct FileBody {
    int fd = -1;
    std::shared_ptr<const std::string> content;

    FileBody(int descriptor, std::shared_ptr<const std::string> bytes)
        : fd(descriptor), content(std::move(bytes)) {}
    FileBody(FileBody&& other) noexcept
        : fd(std::exchange(other.fd, -1)), content(std::move(other.content)) {}
    FileBody& operator=(FileBody&&) = delete;
    ~FileBody();
};

// `st` describes the file at `path`; `body` holds its bytes.
void respond_with_file(RequestContext& ctx, const std::string& path, FileBody body,
                       const struct stat& st);

}  // namespace strata::web
