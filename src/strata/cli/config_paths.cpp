#include "strata/cli/config_paths.h"

#include <filesystem>

namespace strata::cli {
namespace {

std::string with_slash(std::string dir) {
    if (dir.empty() || dir.back() != '/') dir.push_back('/');
    return dir;
}

}  // namespace

ConfigPaths resolve_config_paths(const CommandLine& line) {
    namespace fs = std::filesystem;
    fs::path cwd = fs::current_path();
    ConfigPaths paths;
    if (!line.prefix.empty())
        paths.prefix = with_slash(fs::absolute(line.prefix).lexically_normal().string());
    if (!line.conf_file.empty()) {
        paths.conf_file = fs::absolute(line.conf_file).lexically_normal().string();
        if (paths.prefix.empty())
            paths.prefix = with_slash(fs::path(paths.conf_file).parent_path().string());
    } else {
        if (paths.prefix.empty()) paths.prefix = with_slash(cwd.string());
        paths.conf_file = paths.prefix + "conf/nginx.conf";
    }
    return paths;
}

}  // namespace strata::cli
