#include "strata/web/static_content.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "strata/web/app_content.h"
#include "strata/web/autoindex.h"
#include "strata/web/file_response.h"
#include "strata/web/front_handler.h"
#include "strata/web/proxy_content.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

// Configured text without a "$" is what expansion would return: used as it is, it
// costs no copy. (index names and try_files arguments are short: the scan costs little.)
std::string_view literal_or_expanded(const std::string& text, const RequestContext& ctx,
                                     std::string& storage) {
    if (text.find('$') == std::string::npos) return text;
    storage = expand_variables(text, ctx);
    return storage;
}

// base + rest into `path`, in its existing capacity when it suffices; a relative base
// is under the prefix (-p).
void assign_joined_path(const RequestContext& ctx, std::string_view base, std::string_view rest,
                        std::string& path) {
    bool relative = base.empty() || base.front() != '/';
    std::string_view prefix = relative ? std::string_view(ctx.main.prefix) : std::string_view();
    // Sized once and copied into: append() checks length and capacity at every piece.
    path.resize(prefix.size() + base.size() + rest.size());
    char* out = path.data();
    out = std::copy(prefix.begin(), prefix.end(), out);
    out = std::copy(base.begin(), base.end(), out);
    std::copy(rest.begin(), rest.end(), out);
}

// map_uri_to_path() into `path`.
void assign_mapped_path(const RequestContext& ctx, std::string_view uri, std::string& path) {
    const LocationConfig* loc = ctx.location;
    std::string expanded;  // holds the base when it names variables
    if (!loc || !loc->alias)
        return assign_joined_path(ctx, literal_or_expanded(*ctx.settings().root, ctx, expanded),
                                  uri, path);
    std::string_view base = literal_or_expanded(loc->alias->path, ctx, expanded);
    // A regex location's alias names the whole path (with captures).
    if (loc->alias->replaces == Alias::kWholeUri) return assign_joined_path(ctx, base, {}, path);
    std::string_view rest = uri.substr(std::min(uri.size(), loc->alias->replaces));
    assign_joined_path(ctx, base, rest, path);
}

// The paths probed while choosing what to serve are needed only for their lookup: they
// are built in one buffer per loop thread, which keeps its capacity, rather than each in
// an allocation of its own.
std::string& probe_path_buffer() {
    thread_local std::string buffer;
    return buffer;
}

// The URI a try_files argument names (a final "/" only asks for a directory and is
// dropped), as a view of the current URI, of the argument or of `storage`. "$uri" and
// "$uri/", the usual arguments, name the current URI itself: no expansion, no copy.
std::string_view try_files_uri(const std::string& arg, bool want_directory,
                               const RequestContext& ctx, std::string& storage) {
    if ((arg == "$uri" || arg == "$uri/") && !ctx.uri.empty()) return ctx.uri;
    std::string_view uri = literal_or_expanded(arg, ctx, storage);
    if (want_directory && uri.size() > 1) uri.remove_suffix(1);
    return uri;
}

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
    std::string_view m = ctx.method;
    return m == "GET" || m == "HEAD" || m == "POST";
}

void serve_file(RequestContext& ctx, const std::string& path);

// A directory requested without its slash: 301 to the URI with one, keeping the query.
void redirect_to_directory(RequestContext& ctx) {
    respond_redirect(ctx, 301, ctx.uri + "/" + (ctx.args.empty() ? "" : "?" + ctx.args));
}

// A URI ending in "/": the first index file that exists, by internal redirect.
void serve_index(RequestContext& ctx) {
    std::string& path = probe_path_buffer();
    for (const std::string& index : *ctx.settings().index) {
        std::string storage;
        std::string_view candidate = literal_or_expanded(index, ctx, storage);
        bool absolute = !candidate.empty() && candidate.front() == '/';
        assign_mapped_path(ctx, absolute ? candidate : std::string_view(ctx.uri), path);
        if (!absolute) path += candidate;  // the directory's path, then the name
        if (probe(ctx, path) != PathKind::file) continue;
        if (absolute) return internal_redirect(ctx, candidate);
        return internal_redirect(ctx, ctx.uri + std::string(candidate));
    }
    std::string directory = map_uri_to_path(ctx, ctx.uri);
    PathKind kind = probe(ctx, directory);
    bool listable = kind == PathKind::directory && ctx.method != "POST";  // GET and HEAD only
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
        std::string storage;
        std::string_view uri = try_files_uri(args[i], want_directory, ctx, storage);
        std::string& path = probe_path_buffer();
        assign_mapped_path(ctx, uri, path);
        PathKind kind = probe(ctx, path);
        if (want_directory ? kind == PathKind::directory : kind == PathKind::file) {
            if (uri.data() != ctx.uri.data()) ctx.uri.assign(uri);  // else it is ctx.uri
            // The location's own content handler then runs, as in nginx: an app's too.
            if (ctx.location->proxy_pass) return serve_proxy(ctx);
            return ctx.location->app ? serve_app(ctx) : serve_static(ctx);
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
    if (ctx.method == "POST") return finish_with_error(ctx, 405);
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
    std::string path;
    assign_mapped_path(ctx, uri, path);
    return path;
}

void run_content_phase(RequestContext& ctx) {
    if (ctx.location && !ctx.location->try_files.empty()) return run_try_files(ctx);
    if (ctx.location && ctx.location->app) return serve_app(ctx);
    if (ctx.location && ctx.location->proxy_pass) return serve_proxy(ctx);
    serve_static(ctx);
}

}  // namespace strata::web
