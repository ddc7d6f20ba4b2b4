// Interim: the few gunicorn flags native examples use, until the gunicorn settings
// model serves native apps too.
#include <fmt/core.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/base/log.h"
#include "strata/gateway/app_server.h"

namespace strata::gateway {
namespace {

Result<process::Listen, std::string> parse_bind(std::string_view text) {
    std::string address(text);
    if (address.rfind("unix:", 0) != 0 && address.find(':') == std::string::npos)
        address += ":8000";
    auto parsed = net::parse_listen_address(address);
    if (!parsed) return Err{parsed.error()};
    process::Listen listen;
    listen.address = *parsed;
    listen.options.backlog = 2048;
    return listen;
}

}  // namespace

int serve_from_command_line(int argc, char** argv, std::function<std::shared_ptr<App>()> make_app) {
    AppServerConfig config;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        size_t eq = arg.find('=');
        if (eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        }
        if (arg == "-w" || arg == "--workers") {
            config.workers = static_cast<unsigned>(std::strtoul(value.c_str(), nullptr, 10));
        } else if (arg == "--threads") {
            config.threads = static_cast<unsigned>(std::strtoul(value.c_str(), nullptr, 10));
        } else if (arg == "-b" || arg == "--bind") {
            auto listen = parse_bind(value);
            if (!listen) {
                fmt::print(stderr, "{}: {}\n", argv[0], listen.error());
                return 2;
            }
            config.listen.push_back(*listen);
        } else {
            fmt::print(stderr, "{}: unknown option {}\n", argv[0], arg);
            return 2;
        }
    }
    if (config.listen.empty()) config.listen.push_back(parse_bind("127.0.0.1:8000").value());
    config.load_app = [make_app]() -> Result<std::shared_ptr<App>, std::string> {
        return make_app();
    };
    log::set_level(log::Level::notice);
    return run_app_server(config);
}

}  // namespace strata::gateway
