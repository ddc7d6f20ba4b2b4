// strata: the command line. Until the nginx-compatible front end exists this serves
// one directory: `strata serve --listen [HOST:]PORT --root DIR`.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/base/version.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_server.h"
#include "strata/net/listener.h"
#include "strata/web/static_files.h"

namespace {

struct ServeOptions {
    std::string listen = "8080";
    std::string root = "html";
};

strata::net::EventLoop* g_loop = nullptr;

void on_stop_signal(int) {
    if (g_loop) g_loop->stop();  // an atomic store and an eventfd write: signal-safe
}

int usage(FILE* out, int status) {
    fmt::print(out,
               "usage: strata serve [--listen [HOST:]PORT] [--root DIR]\n"
               "       strata -v | -V\n");
    return status;
}

// "--name value" or "--name=value"; advances i past what it took.
bool take_option(int argc, char** argv, int& i, std::string_view name, std::string& out) {
    std::string_view arg = argv[i];
    if (arg == name && i + 1 < argc) {
        out = argv[++i];
        return true;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        out = std::string(arg.substr(name.size() + 1));
        return true;
    }
    return false;
}

int serve(const ServeOptions& options) {
    auto address = strata::net::parse_listen_address(options.listen);
    if (!address) {
        fmt::print(stderr, "strata: {}\n", address.error());
        return 1;
    }
    auto fd = strata::net::open_listener(address.value(), {});
    if (!fd) {
        fmt::print(stderr, "strata: {}\n", fd.error());
        return 1;
    }
    strata::net::EventLoop loop;
    strata::web::StaticFiles files({.root = options.root});
    strata::net::HttpServer server(loop, files);
    server.listen(fd.value());
    g_loop = &loop;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
    fmt::print(stderr, "strata: serving {} on {} (port {})\n", options.root, options.listen,
               strata::net::bound_port(fd.value()));
    loop.run();
    g_loop = nullptr;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage(stderr, 1);
    std::string_view command = argv[1];
    if (command == "-v" || command == "-V" || command == "--version") {
        fmt::print(stderr, "{} version: {}/{}\n", strata::kProductName, strata::kProductName,
                   strata::kVersion);
        return 0;
    }
    if (command == "-h" || command == "--help") return usage(stdout, 0);
    if (command != "serve") return usage(stderr, 1);
    ServeOptions options;
    for (int i = 2; i < argc; ++i) {
        if (take_option(argc, argv, i, "--listen", options.listen)) continue;
        if (take_option(argc, argv, i, "--root", options.root)) continue;
        fmt::print(stderr, "strata: unknown option \"{}\"\n", argv[i]);
        return usage(stderr, 1);
    }
    return serve(options);
}
