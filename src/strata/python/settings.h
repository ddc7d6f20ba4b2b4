// gunicorn 20.1's settings, as `strata wsgi` takes them: one typed field per setting, with
// gunicorn's names, defaults and validation, and one table (setting_specs()) that the command
// line, GUNICORN_CMD_ARGS and the Python config file all set values through.
//
// Values arrive as SettingValue, the shapes a Python config file's module-level values take
// once the python layer has converted them (None, bool, int, str, list of str, dict of str to
// str, or any other object described by its type, repr and qualified name). Command-line text
// is converted first the way gunicorn's argparse `type` would (see SettingSpec::from_argument).
//
// Where this differs from gunicorn 20.1, on purpose:
//  - worker_class takes only sync and gthread (gunicorn's names for them); others are refused
//    at set() rather than failing at start-up;
//  - a hook's import string and arity are checked by the python layer, not here;
//  - None for a bool reads as False; None for a string whose default is a str is refused;
//  - python_home (--python-home, $VIRTUAL_ENV) and root_path (--root-path, $SCRIPT_NAME) are
//    strata's, and print_config() shows them among gunicorn's.
//
// Plain C++ on purpose: no Python.h here, so the CLI can parse and print without an interpreter.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "strata/base/result.h"

namespace strata::python {

// The process environment (gunicorn's os.environ / cfg.env_orig), passed in so tests do not
// touch the real one.
using Environment = std::map<std::string, std::string, std::less<>>;

// Builds an Environment from a NULL-terminated `environ`-style array of "KEY=VALUE".
Environment environment_from(const char* const* envp);

// A Python object that is none of SettingValue's plain shapes: a hook function, a class, a
// nested dict, a float… The python layer keeps the object; settings keep its description.
struct PythonObject {
    std::string type_name;  // type(value).__name__: "function", "dict", "float", …
    std::string repr;       // repr(value)
    std::string qualname;   // value.__qualname__ when it has one ("on_starting")
    bool callable = false;
};

// A dict whose keys and values are all str, in insertion order.
using StringPairs = std::vector<std::pair<std::string, std::string>>;

// A setting's value before validation. std::monostate is Python's None.
using SettingValue = std::variant<std::monostate, bool, std::int64_t, std::string,
                                  std::vector<std::string>, StringPairs, PythonObject>;

// str(value) as Python prints it ('None', 'True', "['a', 'b']", a str as itself, …).
std::string python_str(const SettingValue& value);
// repr() of a str: 'text', or "it's" when the text holds a single quote and no double quote.
std::string python_repr(std::string_view text);

// A server hook (on_starting, pre_fork, …): gunicorn's built-in default, a callable the config
// file set (the python layer keeps the object; this is its name), or an import string. Whether
// it is still the default: WsgiSettings::was_set("pre_fork").
struct Hook {
    std::string qualname;     // "OnStarting.on_starting" for the default; printed "<…()>"
    std::string import_path;  // "pkg.module.function" when set as a string, for the python layer
};

// statsd_host once validated: gunicorn's (host, port) tuple.
struct HostPort {
    std::string host;
    std::int64_t port = 0;
};

enum class WorkerKind { sync, gthread };

struct WsgiSettings;
using SetResult = Result<std::monostate, std::string>;

// How a setting appears on the command line, as gunicorn declares it for argparse.
enum class CliAction {
    none,         // no command-line flag (config file only)
    store,        // takes one value
    store_true,   // a flag that sets True
    store_false,  // gunicorn's store_const False (--no-sendfile)
    append,       // repeatable, values collect into a list
};
// argparse's `type` for a stored value: str, int (base 10), or gunicorn's auto_int (umask).
enum class CliType { text, integer, auto_integer };

// A setting's default before validation, as gunicorn's class attribute `default` holds it.
// Some depend on the environment (workers, bind, forwarded_allow_ips, chdir, user, …).
struct SettingDefault {
    enum class Kind { none, boolean, integer, text, empty_list, hook, computed };
    Kind kind = Kind::none;
    std::int64_t number = 0;  // boolean and integer
    std::string_view text;    // text, and the hook's qualified name
    SettingValue (*compute)(const Environment&) = nullptr;

    SettingValue value(const Environment& environment) const;
};

// How argparse is told about a setting: its flags (gunicorn's `cli`, in its order: "-w",
// "--workers"), metavar (gunicorn's `meta`; empty means the name in capitals), action and type.
struct CliSpec {
    std::array<std::string_view, 2> flags;
    std::string_view metavar;
    CliAction action = CliAction::none;
    CliType type = CliType::text;
};

// One row of the settings table.
struct SettingSpec {
    std::string_view name;     // gunicorn's config-file name ("workers")
    std::string_view section;  // gunicorn's section ("Worker Processes")
    CliSpec cli;
    std::string_view help;  // the first line of gunicorn's `desc`
    SettingDefault initial;
    SetResult (*assign)(WsgiSettings&, const SettingValue&) = nullptr;  // validate + store
    std::string (*show)(const WsgiSettings&) = nullptr;                 // str() of the field
    bool strata_only = false;  // not a gunicorn setting (python_home, root_path)

    bool on_command_line() const { return cli.action != CliAction::none; }
    // The metavar argparse shows: `meta`, else the name in capitals ("CHDIR").
    std::string display_metavar() const;
    // One command-line value converted by argparse's `type`; the error is argparse's
    // ("invalid int value: 'x'"), without the "argument -w/--workers: " prefix.
    Result<SettingValue, std::string> from_argument(std::string_view text) const;
    // gunicorn's help line: "<first desc line> [<default>]".
    std::string help_line(const Environment& environment) const;
};

// Every setting, in the order gunicorn's --help lists them (config-file-only ones included;
// strata's own at the end).
std::span<const SettingSpec> setting_specs();
const SettingSpec* find_setting(std::string_view name);

// A bind address (gunicorn's util.parse_address): HOST:PORT, HOST (port 8000), [::1]:PORT,
// tcp://HOST:PORT, unix:PATH, unix://PATH, fd://N.
struct Bind {
    enum class Kind { tcp, unix_socket, fd };
    Kind kind = Kind::tcp;
    std::string host;  // tcp: lower-cased, without brackets ("::1"); "" means all addresses
    std::int64_t port = 0;
    std::string path;  // unix_socket
    std::int64_t fd = -1;
};
// Errors are gunicorn's: "'x' is not a valid port number.", "'x' is not a valid file
// descriptor.".
Result<Bind, std::string> parse_bind(std::string_view text);

// gunicorn's per-request limits (gunicorn.http.message) as its parser applies them.
inline constexpr std::int64_t kMaxRequestLine = 8190;
inline constexpr std::int64_t kMaxHeaders = 32768;
inline constexpr std::int64_t kDefaultMaxHeaderFieldSize = 8190;

struct WsgiSettings {
    // Config File
    std::string config;
    std::optional<std::string> wsgi_app;
    // Server Socket
    std::vector<std::string> bind;
    std::int64_t backlog = 0;
    // Worker Processes
    std::int64_t workers = 0;
    std::string worker_class;
    std::int64_t threads = 0;
    std::int64_t worker_connections = 0;
    std::int64_t max_requests = 0;
    std::int64_t max_requests_jitter = 0;
    std::int64_t timeout = 0;
    std::int64_t graceful_timeout = 0;
    std::int64_t keepalive = 0;
    // Security
    std::int64_t limit_request_line = 0;
    std::int64_t limit_request_fields = 0;
    std::int64_t limit_request_field_size = 0;
    // Debugging
    bool reload = false;
    std::string reload_engine;
    std::vector<std::string> reload_extra_files;
    bool spew = false;
    bool check_config = false;
    bool print_config = false;
    // Server Mechanics
    bool preload_app = false;
    std::optional<bool> sendfile;  // None unless --no-sendfile (then False)
    bool reuse_port = false;
    std::string chdir;
    bool daemon = false;
    std::vector<std::string> raw_env;
    std::optional<std::string> pidfile;
    std::optional<std::string> worker_tmp_dir;
    std::int64_t user = 0;
    std::int64_t group = 0;
    std::int64_t umask = 0;
    bool initgroups = false;
    std::optional<std::string> tmp_upload_dir;
    StringPairs secure_scheme_headers;
    std::vector<std::string> forwarded_allow_ips;
    std::optional<std::string> pythonpath;
    std::optional<std::string> paste;
    bool proxy_protocol = false;
    std::vector<std::string> proxy_allow_ips;
    std::vector<std::string> raw_paste_global_conf;
    bool strip_header_spaces = false;
    bool tolerate_dangerous_framing = false;
    // Logging
    std::optional<std::string> accesslog;
    bool disable_redirect_access_to_syslog = false;
    std::string access_log_format;
    std::string errorlog;
    std::string loglevel;
    bool capture_output = false;
    std::string logger_class;
    std::optional<std::string> logconfig;
    SettingValue logconfig_dict;  // a dict only the python layer interprets
    std::string syslog_addr;
    bool syslog = false;
    std::optional<std::string> syslog_prefix;
    std::string syslog_facility;
    bool enable_stdio_inheritance = false;
    std::optional<HostPort> statsd_host;
    std::string dogstatsd_tags;
    std::string statsd_prefix;
    // Process Naming
    std::optional<std::string> proc_name;
    std::string default_proc_name;
    // Server Hooks
    Hook on_starting, on_reload, when_ready, pre_fork, post_fork, post_worker_init, worker_int,
        worker_abort, pre_exec, pre_request, post_request, child_exit, worker_exit,
        nworkers_changed, on_exit;
    // SSL (accepted and shown; strata wsgi does not terminate TLS)
    std::optional<std::string> keyfile;
    std::optional<std::string> certfile;
    std::int64_t ssl_version = 0;
    std::int64_t cert_reqs = 0;
    std::optional<std::string> ca_certs;
    bool suppress_ragged_eofs = false;
    bool do_handshake_on_connect = false;
    std::optional<std::string> ciphers;
    // strata's own
    std::optional<std::string> python_home;  // --python-home, default $VIRTUAL_ENV
    std::string root_path;                   // --root-path, default $SCRIPT_NAME

    // The environment the settings were made from (gunicorn's cfg.env_orig).
    Environment environment;

    // gunicorn's defaults, some from the environment: WEB_CONCURRENCY (workers), PORT (bind
    // 0.0.0.0:$PORT), FORWARDED_ALLOW_IPS, PWD (chdir, as gunicorn's util.getcwd), VIRTUAL_ENV
    // and SCRIPT_NAME (strata's). Fails when WEB_CONCURRENCY is not an int, as gunicorn does.
    static Result<WsgiSettings, std::string> defaults(const Environment& environment);

    // Validates and stores one setting by its config-file name. The error is gunicorn's
    // validator message ("Value must be positive: -1"); an unknown name is
    // "No configuration setting for: x".
    SetResult set(std::string_view name, const SettingValue& value);
    // A config file's module-level name and value: unknown names are ignored, as gunicorn
    // does; the error is what gunicorn writes to stderr for a bad value, whole
    // ("Invalid value for workers: -1\n\n\nError: Value must be positive: -1\n").
    SetResult set_from_config_file(std::string_view name, const SettingValue& value);
    // Whether set() or set_from_config_file() stored this setting (defaults do not count).
    bool was_set(std::string_view name) const;

    // What gunicorn derives from the settings when it runs:
    Result<std::vector<Bind>, std::string> addresses() const;  // every bind, parsed
    // raw_env as KEY=VALUE pairs; "environment setting 'x' invalid" without '='.
    Result<StringPairs, std::string> env() const;
    WorkerKind worker_kind() const;                 // sync with threads > 1 runs as gthread
    std::string effective_proc_name() const;        // proc_name, else default_proc_name
    std::string_view effective_loglevel() const;    // one of gunicorn's five; unknown → "info"
    bool sendfile_enabled() const;                  // --no-sendfile, else $SENDFILE, else on
    std::vector<std::string> python_paths() const;  // pythonpath split at ','
    // The WSGI SCRIPT_NAME base (see root_path in settings.cpp for the rule).
    std::string script_name() const;
    // The limits as gunicorn's request parser clamps them (0 request line means no limit).
    std::int64_t effective_limit_request_line() const;
    std::int64_t effective_limit_request_fields() const;
    std::int64_t effective_limit_request_field_size() const;

  private:
    SetResult store(const SettingSpec& spec, const SettingValue& value);
    std::vector<std::string_view> assigned_;  // names set() stored, for was_set()
};

// gunicorn's --print-config: "name = value" lines, sorted by name, names padded to the longest;
// str() of each value; callables as "<qualname()>". Ends with a newline. (A free function:
// WsgiSettings::print_config is the setting's own bool.)
std::string print_config(const WsgiSettings& settings);

}  // namespace strata::python
