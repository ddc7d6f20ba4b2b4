#include "strata/cli/command_line.h"

#include <string_view>

#include "strata/base/version.h"

namespace strata::cli {
namespace {

// Which value an option takes, and how nginx names it in "requires …".
struct ValueOption {
    char flag;
    std::string_view what;
    std::string CommandLine::*field;
};

constexpr ValueOption kValueOptions[] = {
    {'s', "parameter", &CommandLine::signal},     {'p', "prefix", &CommandLine::prefix},
    {'e', "file name", &CommandLine::error_log},  {'c', "file name", &CommandLine::conf_file},
    {'g', "parameter", &CommandLine::directives},
};

const ValueOption* value_option(char flag) {
    for (const ValueOption& o : kValueOptions)
        if (o.flag == flag) return &o;
    return nullptr;
}

bool set_flag(CommandLine& line, char flag) {
    switch (flag) {
        case '?':
        case 'h':
            line.help = true;
            return true;
        case 'v':
            line.version = true;
            return true;
        case 'V':
            line.version_full = true;
            return true;
        case 't':
            line.test = true;
            return true;
        case 'T':
            line.test = line.dump = true;
            return true;
        case 'q':
            line.quiet = true;
            return true;
    }
    return false;
}

bool valid_signal(std::string_view s) {
    return s == "stop" || s == "quit" || s == "reopen" || s == "reload";
}

}  // namespace

Result<CommandLine, std::string> parse_command_line(const std::vector<std::string>& args) {
    CommandLine line;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg.size() < 2 || arg[0] != '-')
            return Err{"invalid option: \"" + std::string(arg) + "\""};
        for (size_t j = 1; j < arg.size(); ++j) {
            if (set_flag(line, arg[j])) continue;
            const ValueOption* option = value_option(arg[j]);
            if (!option) return Err{"invalid option: \"" + std::string(arg.substr(j)) + "\""};
            std::string value;
            if (j + 1 < arg.size()) {
                value = std::string(arg.substr(j + 1));
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                return Err{"option \"-" + std::string(1, arg[j]) + "\" requires " +
                           std::string(option->what)};
            }
            if (option->flag == 's' && !valid_signal(value))
                return Err{"invalid option: \"-s " + value + "\""};
            line.*(option->field) = value;
            break;  // the value used up the rest of this argument
        }
    }
    return line;
}

std::string usage_text() {
    return std::string(kProductName) + " version: " + std::string(kServerToken) +
           "\n"
           "Usage: strata [-?hvVtTq] [-s signal] [-p prefix]\n"
           "              [-e filename] [-c filename] [-g directives]\n"
           "       strata wsgi [gunicorn options] MODULE:VARIABLE\n"
           "\n"
           "Options:\n"
           "  -?,-h         : this help\n"
           "  -v            : show version and exit\n"
           "  -V            : show version and configure options then exit\n"
           "  -t            : test configuration and exit\n"
           "  -T            : test configuration, dump it and exit\n"
           "  -q            : suppress non-error messages during configuration testing\n"
           "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n"
           "  -p prefix     : set prefix path (default: the configuration file's directory)\n"
           "  -e filename   : set error log file (default: stderr)\n"
           "  -c filename   : set configuration file (default: conf/nginx.conf)\n"
           "  -g directives : set global directives out of configuration file\n";
}

}  // namespace strata::cli
