// `strata wsgi [gunicorn options] [APP_MODULE]`: gunicorn 20.1's command line, read the way its
// argparse parser reads it — `--flag value`, `--flag=value`, `-w2`, `-w 2`, `-DR`, unambiguous
// prefixes (`--work` is ambiguous, `--pre` is --preload), `--` — with argparse's messages and
// exit codes, and gunicorn's GUNICORN_CMD_ARGS and environment defaults.
//
// gunicorn's precedence is defaults < config file < GUNICORN_CMD_ARGS < command line. The
// config file is Python, loaded later by the python layer, so the parse returns what the two
// argument lists set; apply_over_config_file() puts them back on top of the file's values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/python/settings.h"

namespace strata::cli {

// One setting as an argument list gave it (argparse's value, before validation).
struct SettingAssignment {
    std::string name;  // the config-file name ("workers")
    python::SettingValue value;
};

struct WsgiCommandLine {
    // defaults < GUNICORN_CMD_ARGS < command line: what runs when there is no config file.
    python::WsgiSettings settings;
    // Defaults, plus default_proc_name from APP_MODULE: what the config file is applied over.
    python::WsgiSettings before_config_file;
    // What GUNICORN_CMD_ARGS and the command line set, each in gunicorn's order.
    std::vector<SettingAssignment> from_environment;
    std::vector<SettingAssignment> from_command_line;
    std::vector<std::string> positionals;   // argparse's `args`; gunicorn uses the first
    std::optional<std::string> app_module;  // the first positional, as given
    // The config file gunicorn would load: -c on the command line, else -c in
    // GUNICORN_CMD_ARGS, else <cwd>/gunicorn.conf.py when it exists. Still in gunicorn's
    // spelling ("file:PATH", "python:MODULE" or a path); empty when there is none to load.
    std::optional<std::string> config_file;
};

// Why `strata wsgi` ends before anything starts, and what to print.
struct CommandLineExit {
    int exit_code = 0;   // 0 help/version; 2 usage error (argparse); 1 bad value (gunicorn)
    std::string output;  // the whole text, newlines included
    bool to_stderr = false;
};

// `args` are the arguments after `strata wsgi`; `environment` stands for os.environ.
Result<WsgiCommandLine, CommandLineExit> parse_wsgi_command_line(
    const std::vector<std::string>& args, const python::Environment& environment);

// After the config file was applied over line.before_config_file: GUNICORN_CMD_ARGS's settings,
// then the command line's, set again on top, as gunicorn does.
Result<python::WsgiSettings, CommandLineExit> apply_over_config_file(
    const WsgiCommandLine& line, python::WsgiSettings from_config_file);

// The application to import: APP_MODULE, else the config file's wsgi_app; otherwise gunicorn's
// "Error: No application module specified." (exit 1). --paste is refused: strata does not
// load PasteDeploy applications.
Result<std::string, CommandLineExit> resolve_app_module(const WsgiCommandLine& line,
                                                        const python::WsgiSettings& settings);

// argparse's help for gunicorn's parser, as `strata wsgi -h` prints it (width from $COLUMNS,
// else 80 columns).
std::string wsgi_help_text(const python::Environment& environment);
// What -v prints.
std::string wsgi_version_text();

// shlex.split (POSIX rules), as gunicorn splits GUNICORN_CMD_ARGS. Errors are shlex's
// ("No closing quotation", "No escaped character").
Result<std::vector<std::string>, std::string> shell_split(std::string_view text);

}  // namespace strata::cli
