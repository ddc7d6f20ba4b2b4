// URI normalisation and the mapping of a URI to a file under a root or an alias.
// Properties: a normalised path starts with "/", has no "." or ".." segment and no empty
// one (merged slashes), holds no NUL the input did not have, and is a fixed point; mapped
// under the location nginx would choose, it stays inside that root or alias.
//
// Input: a request-target (origin-form or absolute-form).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "null_exchange.h"
#include "strata/config/parser.h"
#include "strata/web/config_builder.h"
#include "strata/web/location_match.h"
#include "strata/web/request_context.h"
#include "strata/web/static_content.h"
#include "strata/web/uri_path.h"

namespace strata::fuzz {
namespace {

// A root for the server, an alias on a prefix location (with the trailing slashes nginx
// needs on both: `location /static` with `alias /srv/assets/` maps "/static../x" to
// "/srv/assets/../x" in nginx too, a misconfiguration rather than a traversal), an exact
// and a regex location with roots of their own.
constexpr std::string_view kConfig = R"(
http {
    server {
        root /srv/www;
        location /static/ { alias /srv/assets/; }
        location = /exact { root /srv/exact; }
        location ~ \.txt$ { root /srv/text; }
        location /nested/ { root /srv/nested; location /nested/deeper/ { alias /srv/deep/; } }
    }
}
)";

const web::MainConfig& main_config() {
    static const web::MainConfig config = [] {
        auto parsed = config::parse_text(kConfig, "uri_path_fuzz.conf");
        require(static_cast<bool>(parsed), "the target's configuration does not parse");
        auto built = web::build_main_config(parsed.value(), "/fuzz/prefix/");
        require(static_cast<bool>(built), "the target's configuration does not build");
        return std::move(built.value());
    }();
    return config;
}

bool has_segment(std::string_view path, std::string_view segment) {
    size_t pos = 0;
    while (pos < path.size()) {
        size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        if (path.substr(pos, end - pos) == segment) return true;
        pos = end + 1;
    }
    return false;
}

void check_normal(std::string_view input, const std::string& path) {
    require(!path.empty() && path.front() == '/', "normalised path does not start with /", path);
    require(!has_segment(path, ".."), "normalised path has a .. segment", path);
    require(!has_segment(path, "."), "normalised path has a . segment", path);
    require(path.find("//") == std::string::npos, "normalised path has an empty segment", path);
    if (input.find('\0') == std::string_view::npos)
        require(path.find('\0') == std::string::npos, "normalised path has a NUL", path);
    // A normal path without escapes or a query normalises to itself.
    if (path.find_first_of("%?#") == std::string::npos) {
        auto again = web::normalize_target_path(path);
        require(again && again.value() == path, "normalisation is not a fixed point", path);
    }
}

// The mapped file stays under the base of the level that serves the URI.
void check_mapping(const std::string& uri) {
    const web::MainConfig& config = main_config();
    const web::ServerConfig& server = config.http.servers.at(0);
    NullExchange exchange;
    web::FileCache files;
    web::RequestContext ctx(exchange, config, files);
    ctx.server = &server;
    ctx.uri = uri;
    ctx.location = web::find_location(server.locations, uri).node;
    const web::LocationSettings& settings = ctx.settings();
    std::string base =
        ctx.location && ctx.location->alias ? ctx.location->alias->path.text : settings.root->text;
    std::string path = web::map_uri_to_path(ctx, uri);
    require(path.starts_with(base), "mapped path leaves its root", path);
    require(!has_segment(path, ".."), "mapped path has a .. segment", path);
}

void run(std::string_view input) {
    auto normalised = web::normalize_target_path(input);
    if (!normalised) return;
    check_normal(input, normalised.value());
    check_mapping(normalised.value());
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run({reinterpret_cast<const char*>(data), size});
    return 0;
}
