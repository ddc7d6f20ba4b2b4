// strata: nginx's command line (`strata [-c file] …`, also `strata serve …`).
#include <fmt/core.h>

#include <string>
#include <vector>

#include "strata/base/version.h"
#include "strata/cli/command_line.h"
#include "strata/cli/nginx_mode.h"
#include "strata/cli/wsgi_mode.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args.front() == "wsgi")
        return strata::cli::launch_wsgi_host({args.begin() + 1, args.end()});
    if (!args.empty() && args.front() == "serve") args.erase(args.begin());
    auto line = strata::cli::parse_command_line(args);
    if (!line) {
        fmt::print(stderr, "strata: {}\n", line.error());
        return 1;
    }
    if (line->help) {
        fmt::print(stderr, "{}", strata::cli::usage_text());
        return 0;
    }
    if (line->version || line->version_full) {
        fmt::print(stderr, "strata version: {}\n", strata::kServerToken);
        if (line->version_full)
            fmt::print(stderr,
                       "built with g++ (C++20); modules: http core, static, index, try_files, "
                       "return, rewrite, error_page, add_header, expires, gzip, autoindex, "
                       "access and error logs, PCRE2 regex locations, upstream (checked), "
                       "wsgi_app (Debian's CPython 3.11)\n");
        return 0;
    }
    return strata::cli::run_nginx_mode(line.value(), args);
}
