#include "strata/cli/front_config.h"

#include "strata/web/config_builder.h"

namespace strata::cli {

Result<FrontConfig, config::ConfigError> load_front_config(const ConfigPaths& paths,
                                                           const std::string& global_directives,
                                                           bool read_wsgi_config) {
    config::LoadOptions options;  // includes resolve against the -c file's directory
    options.global_directives = global_directives;
    auto loaded = config::load_config(paths.conf_file, options);
    if (!loaded) return Err{loaded.error()};
    const std::vector<config::Directive>& main = loaded->directives;
    std::string conf_prefix = paths.conf_file.substr(0, paths.conf_file.rfind('/') + 1);
    auto built = web::build_main_config(main, paths.prefix, conf_prefix);
    if (!built) return Err{built.error()};
    std::shared_ptr<FrontWsgiConfig> file;
    if (read_wsgi_config) {
        auto read = cli::read_wsgi_config(built.value());
        if (!read) return Err{config::ConfigError{{}, read.error()}};
        file = std::move(read).value();
    }
    return FrontConfig{std::move(loaded.value()),
                       std::make_shared<const web::MainConfig>(std::move(built.value())),
                       std::move(file)};
}

std::string describe(const config::ConfigError& error) {
    if (error.where.file.empty()) return error.message;
    return error.message + " in " + error.where.file + ":" + std::to_string(error.where.line);
}

}  // namespace strata::cli
