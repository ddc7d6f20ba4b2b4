#include "strata/web/static_error_report.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "strata/web/request_error_log.h"
#include "strata/web/static_content.h"

namespace strata::web {
namespace {

bool is_not_found(int error) {
    return error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG;
}

int error_of(RequestContext& ctx, const std::string& path) {
    return ctx.files.lookup(path, symlink_check(ctx, path)).error;
}

// A URI ending in "/": nginx's index module names the first index file, or the
// directory itself when it exists and holds none.
std::optional<StaticErrorMessage> index_message(RequestContext& ctx, int status) {
    const LocationSettings& s = ctx.settings();
    if (*s.autoindex) return std::nullopt;  // a listing's failure is not the index's
    std::string directory = map_uri_to_path(ctx, ctx.uri);
    const FileInfo& info = ctx.files.lookup(directory, symlink_check(ctx, directory));
    if (status == 403 && info.is_directory())
        return StaticErrorMessage{log::Level::error,
                                  fmt::format("directory index of \"{}\" is forbidden", directory)};
    std::string first = s.index->empty() ? std::string() : s.index->front();
    std::string file = !first.empty() && first.front() == '/' ? first : directory + first;
    int error = info.error != 0 ? info.error : ENOENT;
    if (status == 403)
        return StaticErrorMessage{log::Level::error, fmt::format("\"{}\" is forbidden ({}: {})",
                                                                 file, error, strerror(error))};
    if (status != 404 || !*s.log_not_found) return std::nullopt;
    return StaticErrorMessage{log::Level::error, fmt::format("\"{}\" is not found ({}: {})", file,
                                                             error, strerror(error))};
}

// nginx's static module: not-found errors at [error] unless log_not_found is off,
// refusals at [error], anything else at [crit].
std::optional<StaticErrorMessage> file_message(RequestContext& ctx) {
    std::string path = map_uri_to_path(ctx, ctx.uri);
    int error = error_of(ctx, path);
    if (error == 0) return std::nullopt;
    if (is_not_found(error) && !*ctx.settings().log_not_found) return std::nullopt;
    bool refused = error == EACCES || error == EPERM || error == ELOOP;
    log::Level level = is_not_found(error) || refused ? log::Level::error : log::Level::crit;
    return StaticErrorMessage{
        level, fmt::format("open() \"{}\" failed ({}: {})", path, error, strerror(error))};
}

}  // namespace

std::optional<StaticErrorMessage> static_error_message(RequestContext& ctx, int status) {
    if (status != 403 && status != 404 && status != 500) return std::nullopt;
    if (!ctx.server || ctx.uri.empty()) return std::nullopt;
    if (ctx.location && !ctx.location->try_files.empty()) return std::nullopt;  // =code
    if (ctx.uri.back() == '/') return index_message(ctx, status);
    return file_message(ctx);
}

void report_static_error(RequestContext& ctx, int status) {
    // The level test comes first: a filtered-out message is never built.
    if (!request_log_takes(ctx, log::Level::crit)) return;
    std::optional<StaticErrorMessage> message = static_error_message(ctx, status);
    if (message) log_request(ctx, message->level, message->text);
}

}  // namespace strata::web
