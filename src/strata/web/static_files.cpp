#include "strata/web/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include <fmt/format.h>

#include "strata/base/http_date.h"
#include "strata/base/version.h"
#include "strata/http/error_page.h"
#include "strata/web/mime_types.h"
#include "strata/web/uri_path.h"

namespace strata::web {
namespace {

int status_for_errno(int error) {
    if (error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG) return 404;
    if (error == EACCES || error == ELOOP) return 403;
    return 500;
}

}  // namespace

StaticFiles::StaticFiles(StaticFilesOptions options) : options_(std::move(options)) {
    while (options_.root.size() > 1 && options_.root.back() == '/')
        options_.root.pop_back();
}

void StaticFiles::handle(net::Exchange& exchange) {
    std::string_view method = exchange.request().method;
    if (method != "GET" && method != "HEAD") return exchange.respond_error(405);
    auto path = normalize_target_path(exchange.request().target);
    if (!path) return exchange.respond_error(400);
    serve(exchange, path.value());
}

void StaticFiles::serve(net::Exchange& exchange, const std::string& path) {
    bool directory_request = path.back() == '/';
    std::string file = options_.root + path + (directory_request ? options_.index : "");
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int error = errno;
        // A directory whose index is missing is forbidden, as with nginx's autoindex off.
        struct stat dir;
        if (directory_request && error == ENOENT &&
            ::stat((options_.root + path).c_str(), &dir) == 0 && S_ISDIR(dir.st_mode))
            return exchange.respond_error(403);
        return exchange.respond_error(status_for_errno(error));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
        ::close(fd);
        return exchange.respond_error(404);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return directory_request ? exchange.respond_error(403)
                                 : redirect_to_directory(exchange, path);
    }
    char last_modified[kHttpDateLength];
    format_http_date(st.st_mtime, last_modified);
    std::string etag = fmt::format("\"{:x}-{:x}\"", st.st_mtime, st.st_size);
    net::ResponseHead head;
    head.content_type = mime_type_for(file, options_.default_type);
    head.last_modified = {last_modified, kHttpDateLength};
    head.headers = {{"ETag", etag}, {"Accept-Ranges", "bytes"}};
    exchange.respond_file(head, fd, 0, static_cast<uint64_t>(st.st_size));
}

// nginx answers a directory without its slash with 301 to the same URI plus "/".
void StaticFiles::redirect_to_directory(net::Exchange& exchange, const std::string& path) {
    std::string_view host = exchange.request().host;
    std::string location = host.empty() ? path + "/" : fmt::format("http://{}{}/", host, path);
    net::ResponseHead head;
    head.status = 301;
    head.content_type = "text/html";
    head.location = location;
    exchange.respond(head, http::error_page(301, kServerToken));
}

}  // namespace strata::web
