#include "strata/web/static_content.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "strata/web/autoindex.h"
#include "strata/web/file_response.h"
#include "strata/web/front_handler.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

enum class PathKind { missing, file, directory, forbidden };

const FileInfo& lookup(RequestContext& ctx, const std::string& path) {
    return ctx.files.lookup(path, symlink_check(ctx, path));
}

PathKind probe(RequestContext& ctx, const std::string& path) {
    const FileInfo& info = lookup(ctx, path);
    if (info.error != 0) return info.error == EACCES ? PathKind::forbidden : PathKind::missing;
    if (info.is_directory()) return PathKind::directory;
    return info.is_file() ? PathKind::file : PathKind::missing;
}

int status_for_errno(int error) {
    if (error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG) return 404;
    if (error == EACCES || error == ELOOP) return 403;
    return 500;
}

bool method_allowed(const RequestContext& ctx) {
    std::string_view m = ctx.exchange.request().method;
    return m == "GET" || m == "HEAD" || m == "POST";
}

void serve_file(RequestContext& ctx, const std::string& path);

// A directory requested without its slash: 301 to the URI with one, keeping the query.
void redirect_to_directory(RequestContext& ctx) {
    respond_redirect(ctx, 301, ctx.uri + "/" + (ctx.args.empty() ? "" : "?" + ctx.args));
}

// A URI ending in "/": the first index file that exists, by internal redirect.
void serve_index(RequestContext& ctx) {
    std::string directory = map_uri_to_path(ctx, ctx.uri);
    for (const std::string& index : *ctx.settings().index) {
        std::string candidate = expand_variables(index, ctx);
        bool absolute = !candidate.empty() && candidate.front() == '/';
        std::string path = absolute ? map_uri_to_path(ctx, candidate) : directory + candidate;
        if (probe(ctx, path) == PathKind::file)
            return internal_redirect(ctx, absolute ? candidate : ctx.uri + candidate);
    }
    PathKind kind = probe(ctx, directory);
    std::string_view method = ctx.exchange.request().method;
    bool listable = kind == PathKind::directory && method != "POST";  // GET and HEAD only
    if (listable && *ctx.settings().autoindex) return serve_autoindex(ctx, directory);
    finish_with_error(ctx, kind == PathKind::directory || kind == PathKind::forbidden ? 403 : 404);
}

void serve_static(RequestContext& ctx) {
    if (!method_allowed(ctx)) return finish_with_error(ctx, 405);
    if (ctx.uri.back() == '/') return serve_index(ctx);
    serve_file(ctx, map_uri_to_path(ctx, ctx.uri));
}

// try_files: the first argument naming an existing file becomes the URI served. An
// argument written with a final "/" tests for a directory, by its name without the
// slash, and serves that name: "/dir" then redirects to "/dir/" as nginx does. The last
// argument is the fallback: =code, @name or a URI.
void run_try_files(RequestContext& ctx) {
    const std::vector<std::string>& args = ctx.location->try_files;
    for (size_t i = 0; i + 1 < args.size(); ++i) {
        bool want_directory = args[i].back() == '/';
        std::string uri = expand_variables(args[i], ctx);
        if (want_directory && uri.size() > 1) uri.pop_back();
        PathKind kind = probe(ctx, map_uri_to_path(ctx, uri));
        if (want_directory ? kind == PathKind::directory : kind == PathKind::file) {
            ctx.uri = uri;
            return serve_static(ctx);
        }
    }
    const std::string& fallback = args.back();
    if (fallback.front() == '=') return finish_with_error(ctx, std::stoi(fallback.substr(1)));
    if (fallback.front() == '@') return run_named_location(ctx, fallback);
    internal_redirect(ctx, expand_variables(fallback, ctx));
}

void serve_file(RequestContext& ctx, const std::string& path) {
    SymlinkCheck check = symlink_check(ctx, path);
    const FileInfo& info = ctx.files.lookup(path, check);
    // Copies: a later lookup (an error page's) may replace the cache's entries.
    int error = info.error;
    struct stat st = info.st;
    std::shared_ptr<const std::string> content = info.content;
    if (error != 0) return finish_with_error(ctx, status_for_errno(error));
    if (S_ISDIR(st.st_mode)) return redirect_to_directory(ctx);
    if (!S_ISREG(st.st_mode)) return finish_with_error(ctx, 404);
    if (ctx.exchange.request().method == "POST") return finish_with_error(ctx, 405);
    if (content) return respond_with_file(ctx, path, FileBody(-1, std::move(content)), st);
    // Checked again as it is opened: the lookup may be a few milliseconds old.
    int fd = open_checking_symlinks(path, check, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return finish_with_error(ctx, status_for_errno(errno));
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // replaced since the stat
        ::close(fd);
        return finish_with_error(ctx, 404);
    }
    respond_with_file(ctx, path, FileBody(fd, nullptr), st);
}

}  // namespace

// Off (the default) costs one test and nothing else; `from` is expanded per request.
SymlinkCheck symlink_check(const RequestContext& ctx, const std::string& path) {
    const DisableSymlinks& setting = *ctx.settings().disable_symlinks;
    if (setting.rule == SymlinkRule::follow) return {};
    if (setting.from.empty()) return {setting.rule, 0};
    return symlink_check_for(setting.rule, path, expand_variables(setting.from, ctx));
}

std::string map_uri_to_path(const RequestContext& ctx, std::string_view uri) {
    const LocationConfig* loc = ctx.location;
    std::string base;
    std::string_view rest = uri;
    if (loc && loc->alias) {
        base = expand_variables(*loc->alias, ctx);
        if (loc->pattern.kind != LocationKind::regex)
            rest = uri.substr(std::min(uri.size(), loc->pattern.uri.size()));
        else
            rest = {};  // a regex location's alias names the whole path (with captures)
    } else {
        base = expand_variables(*ctx.settings().root, ctx);
    }
    if (base.empty() || base.front() != '/') base = ctx.main.prefix + base;
    return base + std::string(rest);
}

void run_content_phase(RequestContext& ctx) {
    if (ctx.location && !ctx.location->try_files.empty()) return run_try_files(ctx);
    serve_static(ctx);
}

}  // namespace strata::web
