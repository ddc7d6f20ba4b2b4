#include "strata/cli/wsgi_command_line.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace strata::cli {
namespace {

using python::Environment;
using python::SettingValue;
using python::WsgiSettings;

constexpr std::string_view kUsage = "usage: strata wsgi [OPTIONS] [APP_MODULE]\n";

WsgiCommandLine parse_ok(const std::vector<std::string>& args, const Environment& env = {}) {
    auto line = parse_wsgi_command_line(args, env);
    EXPECT_TRUE(line.ok()) << (line.ok() ? "" : line.error().output);
    return line.ok() ? std::move(line).value() : WsgiCommandLine{};
}

CommandLineExit parse_exit(const std::vector<std::string>& args, const Environment& env = {}) {
    auto line = parse_wsgi_command_line(args, env);
    EXPECT_FALSE(line.ok());
    return line.ok() ? CommandLineExit{-1, "parsed", false} : line.error();
}

std::string shown(const WsgiSettings& settings, std::string_view name) {
    return python::find_setting(name)->show(settings);
}

std::string argparse_error(std::string_view message) {
    return std::string(kUsage) + "strata wsgi: error: " + std::string(message) + "\n";
}

std::vector<std::string> names_of(const std::vector<SettingAssignment>& assignments) {
    std::vector<std::string> names;
    for (const SettingAssignment& a : assignments)
        names.push_back(a.name);
    return names;
}

// Runs a test body in another working directory, and comes back.
class InDirectory {
  public:
    explicit InDirectory(const std::filesystem::path& dir)
        : saved_(std::filesystem::current_path()) {
        std::filesystem::current_path(dir);
    }
    ~InDirectory() { std::filesystem::current_path(saved_); }
    InDirectory(const InDirectory&) = delete;
    InDirectory& operator=(const InDirectory&) = delete;

  private:
    std::filesystem::path saved_;
};

std::filesystem::path fresh_temp_dir(std::string_view name) {
    auto dir = std::filesystem::temp_directory_path() /
               (std::string(name) + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// Every gunicorn flag in both spellings, and strata's two: the value to give, and what the
// setting shows afterwards (as --print-config would).
struct FlagCase {
    std::string_view name;
    std::vector<std::string> flags;
    std::optional<std::string> value;  // none for flags without a value
    std::string_view shown;
};

const FlagCase kFlags[] = {
    {"config", {"-c", "--config"}, "app.conf.py", "app.conf.py"},
    {"bind", {"-b", "--bind"}, ":9000", "[':9000']"},
    {"backlog", {"--backlog"}, "64", "64"},
    {"workers", {"-w", "--workers"}, "3", "3"},
    {"worker_class", {"-k", "--worker-class"}, "gthread", "gthread"},
    {"threads", {"--threads"}, "4", "4"},
    {"worker_connections", {"--worker-connections"}, "10", "10"},
    {"max_requests", {"--max-requests"}, "100", "100"},
    {"max_requests_jitter", {"--max-requests-jitter"}, "5", "5"},
    {"timeout", {"-t", "--timeout"}, "60", "60"},
    {"graceful_timeout", {"--graceful-timeout"}, "10", "10"},
    {"keepalive", {"--keep-alive"}, "5", "5"},
    {"limit_request_line", {"--limit-request-line"}, "1000", "1000"},
    {"limit_request_fields", {"--limit-request-fields"}, "50", "50"},
    {"limit_request_field_size", {"--limit-request-field_size"}, "100", "100"},
    {"reload", {"--reload"}, std::nullopt, "True"},
    {"reload_engine", {"--reload-engine"}, "poll", "poll"},
    {"reload_extra_files", {"--reload-extra-file"}, "/", "['/']"},
    {"spew", {"--spew"}, std::nullopt, "True"},
    {"check_config", {"--check-config"}, std::nullopt, "True"},
    {"print_config", {"--print-config"}, std::nullopt, "True"},
    {"preload_app", {"--preload"}, std::nullopt, "True"},
    {"sendfile", {"--no-sendfile"}, std::nullopt, "False"},
    {"reuse_port", {"--reuse-port"}, std::nullopt, "True"},
    {"chdir", {"--chdir"}, "/", "/"},
    {"daemon", {"-D", "--daemon"}, std::nullopt, "True"},
    {"raw_env", {"-e", "--env"}, "A=1", "['A=1']"},
    {"pidfile", {"-p", "--pid"}, "/run/app.pid", "/run/app.pid"},
    {"worker_tmp_dir", {"--worker-tmp-dir"}, "/dev/shm", "/dev/shm"},
    {"user", {"-u", "--user"}, "0", "0"},
    {"group", {"-g", "--group"}, "0", "0"},
    {"umask", {"-m", "--umask"}, "022", "18"},
    {"initgroups", {"--initgroups"}, std::nullopt, "True"},
    {"forwarded_allow_ips",
     {"--forwarded-allow-ips"},
     "10.0.0.1,10.0.0.2",
     "['10.0.0.1', '10.0.0.2']"},
    {"accesslog", {"--access-logfile"}, "-", "-"},
    {"disable_redirect_access_to_syslog",
     {"--disable-redirect-access-to-syslog"},
     std::nullopt,
     "True"},
    {"access_log_format", {"--access-logformat"}, "%(h)s %(r)s", "%(h)s %(r)s"},
    {"errorlog", {"--error-logfile", "--log-file"}, "/tmp/error.log", "/tmp/error.log"},
    {"loglevel", {"--log-level"}, "debug", "debug"},
    {"capture_output", {"--capture-output"}, std::nullopt, "True"},
    {"logger_class", {"--logger-class"}, "simple", "simple"},
    {"logconfig", {"--log-config"}, "/etc/logging.ini", "/etc/logging.ini"},
    {"syslog_addr", {"--log-syslog-to"}, "udp://logs:514", "udp://logs:514"},
    {"syslog", {"--log-syslog"}, std::nullopt, "True"},
    {"syslog_prefix", {"--log-syslog-prefix"}, "web", "web"},
    {"syslog_facility", {"--log-syslog-facility"}, "local0", "local0"},
    {"enable_stdio_inheritance", {"-R", "--enable-stdio-inheritance"}, std::nullopt, "True"},
    {"statsd_host", {"--statsd-host"}, "stats:8125", "('stats', 8125)"},
    {"dogstatsd_tags", {"--dogstatsd-tags"}, "env:prod", "env:prod"},
    {"statsd_prefix", {"--statsd-prefix"}, "web", "web"},
    {"proc_name", {"-n", "--name"}, "web", "web"},
    {"pythonpath", {"--pythonpath"}, "/a,/b", "/a,/b"},
    {"paste", {"--paste", "--paster"}, "app.ini", "app.ini"},
    {"proxy_protocol", {"--proxy-protocol"}, std::nullopt, "True"},
    {"proxy_allow_ips", {"--proxy-allow-from"}, "*", "['*']"},
    {"keyfile", {"--keyfile"}, "key.pem", "key.pem"},
    {"certfile", {"--certfile"}, "cert.pem", "cert.pem"},
    {"ssl_version", {"--ssl-version"}, "TLSv1_2", "5"},
    {"cert_reqs", {"--cert-reqs"}, "2", "2"},
    {"ca_certs", {"--ca-certs"}, "ca.pem", "ca.pem"},
    {"suppress_ragged_eofs", {"--suppress-ragged-eofs"}, std::nullopt, "True"},
    {"do_handshake_on_connect", {"--do-handshake-on-connect"}, std::nullopt, "True"},
    {"ciphers", {"--ciphers"}, "ALL", "ALL"},
    {"raw_paste_global_conf", {"--paste-global"}, "A=1", "['A=1']"},
    {"strip_header_spaces", {"--strip-header-spaces"}, std::nullopt, "True"},
    {"tolerate_dangerous_framing", {"--tolerate-dangerous-framing"}, std::nullopt, "True"},
    {"python_home", {"--python-home"}, "/srv/venv", "/srv/venv"},
    {"root_path", {"--root-path"}, "/mount", "/mount"},
};

TEST(WsgiCommandLine, EveryFlagInEverySpelling) {
    for (const FlagCase& c : kFlags) {
        for (const std::string& flag : c.flags) {
            std::vector<std::string> args = {flag};
            if (c.value) args.push_back(*c.value);
            args.push_back("x:app");
            WsgiCommandLine line = parse_ok(args);
            EXPECT_EQ(shown(line.settings, c.name), c.shown) << flag;
            EXPECT_EQ(names_of(line.from_command_line),
                      std::vector<std::string>{std::string(c.name)})
                << flag;
            EXPECT_EQ(line.app_module, "x:app") << flag;
        }
    }
}

// The table above covers every flag the settings declare, so a new one needs a line.
TEST(WsgiCommandLine, FlagTableCoversEveryFlag) {
    std::set<std::string> tested;
    for (const FlagCase& c : kFlags)
        tested.insert(c.flags.begin(), c.flags.end());
    for (const python::SettingSpec& spec : python::setting_specs())
        for (std::string_view flag : spec.cli.flags)
            if (!flag.empty()) {
                EXPECT_EQ(tested.count(std::string(flag)), 1u) << flag;
            }
}

// argparse's spellings of one option and its value.
struct FormCase {
    std::vector<std::string> args;
    std::string_view name;
    std::string_view shown;
};

TEST(WsgiCommandLine, ArgparseForms) {
    const FormCase cases[] = {
        {{"--workers=3"}, "workers", "3"},
        {{"--workers", "3"}, "workers", "3"},
        {{"-w3"}, "workers", "3"},
        {{"-w", "3"}, "workers", "3"},
        {{"-w=3"}, "workers", "3"},
        {{"-w", " 7 "}, "workers", "7"},           // int() allows spaces
        {{"-w", "1_0"}, "workers", "10"},          // and underscores
        {{"-w", "2", "-w", "5"}, "workers", "5"},  // the last one counts
        {{"--chdir=/"}, "chdir", "/"},
        {{"--access-logformat=a=b"}, "access_log_format", "a=b"},
        {{"-b", ":1", "--bind", ":2", "-b:3"}, "bind", "[':1', ':2', ':3']"},
        {{"-e", "A=1", "--env=B=2"}, "raw_env", "['A=1', 'B=2']"},
        {{"-DR"}, "enable_stdio_inheritance", "True"},  // single-dash flags combine
        {{"-DRw4"}, "workers", "4"},
        {{"-Dw", "4"}, "workers", "4"},
        {{"--pre"}, "preload_app", "True"},  // unambiguous prefixes
        {{"--worker-cl", "gthread"}, "worker_class", "gthread"},
        {{"--py", "/lib"}, "pythonpath", "/lib"},  // gunicorn's meaning wins over --python-home
        {{"--python-h", "/venv"}, "python_home", "/venv"},
        {{"--root", "/r"}, "root_path", "/r"},
        {{"-m", "0o17"}, "umask", "15"},
        {{"--umask", "0x1f"}, "umask", "31"},
    };
    for (const FormCase& c : cases) {
        std::vector<std::string> args = c.args;
        args.push_back("x:app");
        EXPECT_EQ(shown(parse_ok(args).settings, c.name), c.shown) << c.args.front();
    }
}

// Mistakes and the exit argparse (2) or gunicorn's validation (1) gives them.
struct ErrorCase {
    std::vector<std::string> args;
    int exit_code;
    std::string_view message;  // argparse's message, or gunicorn's "Error: …" text
};

TEST(WsgiCommandLine, ErrorsReadLikeGunicorns) {
    const ErrorCase cases[] = {
        {{"-w", "x", "x:app"}, 2, "argument -w/--workers: invalid int value: 'x'"},
        {{"-w", "0x10", "x:app"}, 2, "argument -w/--workers: invalid int value: '0x10'"},
        {{"-m", "08"}, 2, "argument -m/--umask: invalid auto_int value: '08'"},
        {{"-w"}, 2, "argument -w/--workers: expected one argument"},
        {{"-b"}, 2, "argument -b/--bind: expected one argument"},
        {{"-w", "--", "3"}, 2, "argument -w/--workers: expected one argument"},
        {{"--access-logformat", "--print-config", "x:app"},
         2,
         "argument --access-logformat: expected one argument"},
        {{"--error-logfile"}, 2, "argument --error-logfile/--log-file: expected one argument"},
        {{"--bogus", "x:app"}, 2, "unrecognized arguments: --bogus"},
        {{"-x"}, 2, "unrecognized arguments: -x"},
        {{"x:app", "-w", "2", "extra"}, 2, "unrecognized arguments: extra"},
        {{"--work", "3", "x:app"},
         2,
         "ambiguous option: --work could match --workers, --worker-class, "
         "--worker-connections, --worker-tmp-dir"},
        {{"--work=3"},
         2,
         "ambiguous option: --work=3 could match --workers, --worker-class, "
         "--worker-connections, --worker-tmp-dir"},
        {{"--preload=yes", "x:app"}, 2, "argument --preload: ignored explicit argument 'yes'"},
        {{"-D="}, 2, "argument -D/--daemon: ignored explicit argument ''"},
        {{"-Dx"}, 2, "argument -D/--daemon: ignored explicit argument 'x'"},
        {{"-w", "-1", "x:app"}, 1, "Value must be positive: -1"},
        {{"--threads=-2", "x:app"}, 1, "Value must be positive: -2"},
        {{"--limit-request-line", "-5", "x:app"}, 1, "Value must be positive: -5"},
        {{"--cert-reqs", "x", "x:app"}, 1, "invalid literal for int() with base 0: 'x'"},
        {{"--chdir", "/no/such/dir"}, 1, "can't chdir to '/no/such/dir'"},
        {{"-u", "no-such-user-here"}, 1, "No such user: 'no-such-user-here'"},
        {{"-g", "no-such-group-here"}, 1, "No such group: 'no-such-group-here'"},
        {{"--reload-engine", "bad"}, 1, "Invalid reload_engine: 'bad'"},
        {{"--statsd-host", "nohost"}, 1, "Value must consist of: hostname:port"},
        {{"-k", "gevent", "x:app"},
         1,
         "Worker class 'gevent' is not supported by strata: use sync or gthread"},
    };
    for (const ErrorCase& c : cases) {
        CommandLineExit exit = parse_exit(c.args);
        EXPECT_EQ(exit.exit_code, c.exit_code) << c.args.front();
        EXPECT_TRUE(exit.to_stderr) << c.args.front();
        std::string expected = c.exit_code == 2 ? argparse_error(c.message)
                                                : "\nError: " + std::string(c.message) + "\n";
        EXPECT_EQ(exit.output, expected) << c.args.front();
    }
}

// gunicorn accepts these (it clamps the limit and falls back to info when it runs).
TEST(WsgiCommandLine, AcceptsWhatGunicornAccepts) {
    WsgiCommandLine line = parse_ok({"--limit-request-line", "10000", "--log-level", "loud"});
    EXPECT_EQ(line.settings.limit_request_line, 10000);
    EXPECT_EQ(line.settings.effective_limit_request_line(), 8190);
    EXPECT_EQ(line.settings.effective_loglevel(), "info");
}

TEST(WsgiCommandLine, Positionals) {
    WsgiCommandLine line = parse_ok({"--print-config", "x:app", "extra", "-w", "2"});
    EXPECT_EQ(line.positionals, (std::vector<std::string>{"x:app", "extra"}));
    EXPECT_EQ(line.app_module, "x:app");
    EXPECT_EQ(line.settings.default_proc_name, "x:app");
    EXPECT_EQ(line.before_config_file.default_proc_name, "x:app");
    EXPECT_EQ(line.before_config_file.workers, 1);  // options wait until after the file

    EXPECT_EQ(parse_ok({"--", "-w"}).app_module, "-w");  // after "--" all are arguments
    EXPECT_EQ(parse_ok({"-w", "2", "--", "x:app"}).app_module, "x:app");
    EXPECT_EQ(parse_ok({"-1"}).app_module, "-1");      // a negative number is an argument
    EXPECT_EQ(parse_ok({"-a b"}).app_module, "-a b");  // so is anything with a space

    WsgiCommandLine none = parse_ok({"--check-config"});
    EXPECT_FALSE(none.app_module);
    EXPECT_EQ(none.settings.default_proc_name, "gunicorn");
}

TEST(WsgiCommandLine, AppModule) {
    WsgiCommandLine missing = parse_ok({"--check-config"});
    auto app = resolve_app_module(missing, missing.settings);
    ASSERT_FALSE(app.ok());
    EXPECT_EQ(app.error().exit_code, 1);
    EXPECT_EQ(app.error().output, "\nError: No application module specified.\n");

    WsgiSettings from_file = missing.settings;  // a config file's wsgi_app
    ASSERT_TRUE(from_file.set("wsgi_app", std::string("pkg.web:app")).ok());
    EXPECT_EQ(resolve_app_module(missing, from_file).value(), "pkg.web:app");

    WsgiCommandLine given = parse_ok({"x:app"});
    EXPECT_EQ(resolve_app_module(given, from_file).value(), "x:app");

    WsgiCommandLine paste = parse_ok({"--paste", "app.ini"});
    EXPECT_EQ(resolve_app_module(paste, paste.settings).error().exit_code, 1);
}

TEST(WsgiCommandLine, HelpAndVersion) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"-h"}, {"--help"}, {"--he"}, {"-h", "-w", "x"}, {"--bogus", "-h"}, {"-Dh"}}) {
        CommandLineExit exit = parse_exit(args);
        EXPECT_EQ(exit.exit_code, 0) << args.back();
        EXPECT_FALSE(exit.to_stderr);
        EXPECT_TRUE(exit.output.starts_with(std::string(kUsage) + "\noptions:\n")) << args.back();
    }
    // Arguments are acted on in order: an error before -h wins.
    EXPECT_EQ(parse_exit({"-w", "x", "-h"}).exit_code, 2);
    CommandLineExit version = parse_exit({"-v"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_EQ(version.output, wsgi_version_text());
    EXPECT_TRUE(version.output.starts_with("strata wsgi (version "));
    EXPECT_NE(version.output.find("gunicorn 20.1.0"), std::string::npos);
    EXPECT_EQ(parse_exit({"--version"}).output, wsgi_version_text());
}

// `gunicorn -h` from Debian's gunicorn 20.1.0, run in / with an empty environment and 80
// columns; the uid and gid are placeholders. Strata's two flags follow.
constexpr std::string_view kGunicornHelp = R"golden(
usage: strata wsgi [OPTIONS] [APP_MODULE]

options:
  -h, --help            show this help message and exit
  -v, --version         show program's version number and exit
  -c CONFIG, --config CONFIG
                        The Gunicorn config file. [./gunicorn.conf.py]
  -b ADDRESS, --bind ADDRESS
                        The socket to bind. [['127.0.0.1:8000']]
  --backlog INT         The maximum number of pending connections. [2048]
  -w INT, --workers INT
                        The number of worker processes for handling requests.
                        [1]
  -k STRING, --worker-class STRING
                        The type of workers to use. [sync]
  --threads INT         The number of worker threads for handling requests.
                        [1]
  --worker-connections INT
                        The maximum number of simultaneous clients. [1000]
  --max-requests INT    The maximum number of requests a worker will process
                        before restarting. [0]
  --max-requests-jitter INT
                        The maximum jitter to add to the *max_requests*
                        setting. [0]
  -t INT, --timeout INT
                        Workers silent for more than this many seconds are
                        killed and restarted. [30]
  --graceful-timeout INT
                        Timeout for graceful workers restart. [30]
  --keep-alive INT      The number of seconds to wait for requests on a Keep-
                        Alive connection. [2]
  --limit-request-line INT
                        The maximum size of HTTP request line in bytes. [4094]
  --limit-request-fields INT
                        Limit the number of HTTP headers fields in a request.
                        [100]
  --limit-request-field_size INT
                        Limit the allowed size of an HTTP request header
                        field. [8190]
  --reload              Restart workers when code changes. [False]
  --reload-engine STRING
                        The implementation that should be used to power
                        :ref:`reload`. [auto]
  --reload-extra-file FILES
                        Extends :ref:`reload` option to also watch and reload
                        on additional files [[]]
  --spew                Install a trace function that spews every line
                        executed by the server. [False]
  --check-config        Check the configuration and exit. The exit status is 0
                        if the [False]
  --print-config        Print the configuration settings as fully resolved.
                        Implies :ref:`check-config`. [False]
  --preload             Load application code before the worker processes are
                        forked. [False]
  --no-sendfile         Disables the use of ``sendfile()``. [None]
  --reuse-port          Set the ``SO_REUSEPORT`` flag on the listening socket.
                        [False]
  --chdir CHDIR         Change directory to specified directory before loading
                        apps. [/]
  -D, --daemon          Daemonize the Gunicorn process. [False]
  -e ENV, --env ENV     Set environment variables in the execution
                        environment. [[]]
  -p FILE, --pid FILE   A filename to use for the PID file. [None]
  --worker-tmp-dir DIR  A directory to use for the worker heartbeat temporary
                        file. [None]
  -u USER, --user USER  Switch worker processes to run as this user. [{uid}]
  -g GROUP, --group GROUP
                        Switch worker process to run as this group. [{gid}]
  -m INT, --umask INT   A bit mask for the file mode on files written by
                        Gunicorn. [0]
  --initgroups          If true, set the worker process's group access list
                        with all of the [False]
  --forwarded-allow-ips STRING
                        Front-end's IPs from which allowed to handle set
                        secure headers. [127.0.0.1]
  --access-logfile FILE
                        The Access log file to write to. [None]
  --disable-redirect-access-to-syslog
                        Disable redirect access logs to syslog. [False]
  --access-logformat STRING
                        The access log format. [%(h)s %(l)s %(u)s %(t)s
                        "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"]
  --error-logfile FILE, --log-file FILE
                        The Error log file to write to. [-]
  --log-level LEVEL     The granularity of Error log outputs. [info]
  --capture-output      Redirect stdout/stderr to specified file in
                        :ref:`errorlog`. [False]
  --logger-class STRING
                        The logger you want to use to log events in Gunicorn.
                        [gunicorn.glogging.Logger]
  --log-config FILE     The log config file to use. [None]
  --log-syslog-to SYSLOG_ADDR
                        Address to send syslog messages. [udp://localhost:514]
  --log-syslog          Send *Gunicorn* logs to syslog. [False]
  --log-syslog-prefix SYSLOG_PREFIX
                        Makes Gunicorn use the parameter as program-name in
                        the syslog entries. [None]
  --log-syslog-facility SYSLOG_FACILITY
                        Syslog facility name [user]
  -R, --enable-stdio-inheritance
                        Enable stdio inheritance. [False]
  --statsd-host STATSD_ADDR
                        ``host:port`` of the statsd server to log to. [None]
  --dogstatsd-tags DOGSTATSD_TAGS
                        A comma-delimited list of datadog statsd (dogstatsd)
                        tags to append to []
  --statsd-prefix STATSD_PREFIX
                        Prefix to use when emitting statsd metrics (a trailing
                        ``.`` is added, []
  -n STRING, --name STRING
                        A base to use with setproctitle for process naming.
                        [None]
  --pythonpath STRING   A comma-separated list of directories to add to the
                        Python path. [None]
  --paste STRING, --paster STRING
                        Load a PasteDeploy config file. The argument may
                        contain a ``#`` [None]
  --proxy-protocol      Enable detect PROXY protocol (PROXY mode). [False]
  --proxy-allow-from PROXY_ALLOW_IPS
                        Front-end's IPs from which allowed accept proxy
                        requests (comma separate). [127.0.0.1]
  --keyfile FILE        SSL key file [None]
  --certfile FILE       SSL certificate file [None]
  --ssl-version SSL_VERSION
                        SSL version to use. [2]
  --cert-reqs CERT_REQS
                        Whether client certificate is required (see stdlib ssl
                        module's) [0]
  --ca-certs FILE       CA certificates file [None]
  --suppress-ragged-eofs
                        Suppress ragged EOFs (see stdlib ssl module's) [True]
  --do-handshake-on-connect
                        Whether to perform SSL handshake on socket connect
                        (see stdlib ssl module's) [False]
  --ciphers CIPHERS     SSL Cipher suite to use, in the format of an OpenSSL
                        cipher list. [None]
  --paste-global CONF   Set a PasteDeploy global config variable in
                        ``key=value`` form. [[]]
  --strip-header-spaces
                        Strip spaces present between the header name and the
                        the ``:``. [False]
  --tolerate-dangerous-framing
                        Process requests with both Transfer-Encoding and
                        Content-Length [False]
)golden";

constexpr std::string_view kStrataHelp =
    "  --python-home PATH    The virtualenv (sys.prefix) the embedded Python\n"
    "                        interpreter uses. [None]\n"
    "  --root-path STRING    The WSGI SCRIPT_NAME under which the application is\n"
    "                        mounted. []\n";

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

TEST(WsgiCommandLine, HelpTextIsGunicorns) {
    InDirectory root("/");  // the --chdir default shows the working directory
    std::string expected(kGunicornHelp.substr(1));
    expected = replace_all(expected, "{uid}", std::to_string(geteuid()));
    expected = replace_all(expected, "{gid}", std::to_string(getegid()));
    EXPECT_EQ(wsgi_help_text({}), expected + std::string(kStrataHelp));
}

TEST(WsgiCommandLine, HelpFollowsColumnsAndEnvironment) {
    std::string narrow = wsgi_help_text({{"COLUMNS", "60"}});
    EXPECT_NE(narrow.find("  -v, --version         show program's version number and\n"
                          "                        exit\n"),
              std::string::npos);
    // A line full up to a word too long for any line keeps its space, as textwrap's does.
    std::string tiny = wsgi_help_text({{"COLUMNS", "10"}});
    EXPECT_NE(tiny.find("\n    add to the \n    *max_reques\n    ts*\n"), std::string::npos)
        << tiny;
    std::string with_env = wsgi_help_text({{"WEB_CONCURRENCY", "8"}, {"PORT", "5000"}});
    EXPECT_NE(with_env.find("handling requests.\n                        [8]\n"),
              std::string::npos);
    EXPECT_NE(with_env.find("The socket to bind. [['0.0.0.0:5000']]"), std::string::npos);
    EXPECT_EQ(wsgi_help_text({{"COLUMNS", "junk"}}), wsgi_help_text({}));
}

TEST(WsgiCommandLine, EnvironmentDefaults) {
    EXPECT_EQ(parse_ok({}, {{"WEB_CONCURRENCY", "4"}}).settings.workers, 4);
    EXPECT_EQ(parse_ok({"-w", "2"}, {{"WEB_CONCURRENCY", "4"}}).settings.workers, 2);
    EXPECT_EQ(parse_ok({}, {{"PORT", "5000"}}).settings.bind,
              std::vector<std::string>{"0.0.0.0:5000"});
    EXPECT_EQ(parse_ok({"-b", ":1"}, {{"PORT", "5000"}}).settings.bind,
              std::vector<std::string>{":1"});
    EXPECT_EQ(parse_ok({}, {{"FORWARDED_ALLOW_IPS", "*"}}).settings.forwarded_allow_ips,
              std::vector<std::string>{"*"});
    CommandLineExit bad = parse_exit({}, {{"WEB_CONCURRENCY", "many"}});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(bad.output,
              "\nError: WEB_CONCURRENCY: invalid literal for int() with base 10: 'many'\n");
}

TEST(WsgiCommandLine, GunicornCmdArgsSitBelowTheCommandLine) {
    WsgiCommandLine line =
        parse_ok({"-w", "4", "x:app"}, {{"GUNICORN_CMD_ARGS", "-w 3 --bind=:5 -n 'a b' y:z"}});
    EXPECT_EQ(line.settings.workers, 4);
    EXPECT_EQ(line.settings.bind, std::vector<std::string>{":5"});
    EXPECT_EQ(line.settings.proc_name, "a b");
    EXPECT_EQ(line.app_module, "x:app");  // GUNICORN_CMD_ARGS's positionals are ignored
    EXPECT_EQ(line.settings.default_proc_name, "x:app");
    EXPECT_EQ(names_of(line.from_environment),
              (std::vector<std::string>{"bind", "workers", "proc_name"}));
    EXPECT_EQ(names_of(line.from_command_line), std::vector<std::string>{"workers"});
    // A command-line list replaces the environment's, as in gunicorn.
    EXPECT_EQ(parse_ok({"-e", "B=2"}, {{"GUNICORN_CMD_ARGS", "-e A=1"}}).settings.raw_env,
              std::vector<std::string>{"B=2"});
}

TEST(WsgiCommandLine, GunicornCmdArgsErrors) {
    CommandLineExit quote = parse_exit({"x:app"}, {{"GUNICORN_CMD_ARGS", "-w 'x"}});
    EXPECT_EQ(quote.exit_code, 1);
    EXPECT_EQ(quote.output, "\nError: No closing quotation\n");
    CommandLineExit unknown = parse_exit({"x:app"}, {{"GUNICORN_CMD_ARGS", "--bogus"}});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_EQ(unknown.output, argparse_error("unrecognized arguments: --bogus"));
    CommandLineExit negative = parse_exit({"x:app"}, {{"GUNICORN_CMD_ARGS", "-w -3"}});
    EXPECT_EQ(negative.output, "\nError: Value must be positive: -3\n");
    EXPECT_EQ(parse_exit({"x:app"}, {{"GUNICORN_CMD_ARGS", "-h"}}).exit_code, 0);
    // The command line is read first, so its own mistake is the one reported.
    EXPECT_EQ(parse_exit({"-w", "x"}, {{"GUNICORN_CMD_ARGS", "--bogus"}}).output,
              argparse_error("argument -w/--workers: invalid int value: 'x'"));
}

TEST(WsgiCommandLine, ConfigFileGoesUnderBothArgumentLists) {
    WsgiCommandLine line =
        parse_ok({"-w", "3", "x:app"}, {{"GUNICORN_CMD_ARGS", "--threads 2 -w 9"}});
    WsgiSettings file = line.before_config_file;
    ASSERT_TRUE(file.set_from_config_file("workers", std::int64_t{5}).ok());
    ASSERT_TRUE(file.set_from_config_file("threads", std::int64_t{8}).ok());
    ASSERT_TRUE(file.set_from_config_file("timeout", std::int64_t{99}).ok());
    auto merged = apply_over_config_file(line, file);
    ASSERT_TRUE(merged.ok());
    EXPECT_EQ(merged->workers, 3);   // command line over all
    EXPECT_EQ(merged->threads, 2);   // GUNICORN_CMD_ARGS over the file
    EXPECT_EQ(merged->timeout, 99);  // the file over the defaults
    EXPECT_EQ(merged->default_proc_name, "x:app");
}

TEST(WsgiCommandLine, WhichConfigFile) {
    std::filesystem::path empty = fresh_temp_dir("strata-wsgi-noconf");
    std::filesystem::path with_file = fresh_temp_dir("strata-wsgi-conf");
    std::ofstream(with_file / "gunicorn.conf.py") << "workers = 2\n";
    {
        InDirectory in(empty);
        EXPECT_FALSE(parse_ok({}).config_file);
        EXPECT_EQ(parse_ok({"-c", "a.py"}).config_file, "a.py");
        EXPECT_EQ(parse_ok({}, {{"GUNICORN_CMD_ARGS", "-c b.py"}}).config_file, "b.py");
        EXPECT_EQ(parse_ok({"-c", "a.py"}, {{"GUNICORN_CMD_ARGS", "-c b.py"}}).config_file, "a.py");
        EXPECT_EQ(parse_ok({"--config=python:pkg.conf"}).config_file, "python:pkg.conf");
    }
    {
        InDirectory in(with_file);
        std::string found = (std::filesystem::current_path() / "gunicorn.conf.py").string();
        EXPECT_EQ(parse_ok({}).config_file, found);
        EXPECT_EQ(parse_ok({"-c", ""}).config_file, found);  // an empty -c counts as none
    }
    std::filesystem::remove_all(empty);
    std::filesystem::remove_all(with_file);
}

TEST(ShellSplit, PosixRules) {
    const std::pair<std::string_view, std::vector<std::string>> cases[] = {
        {"", {}},
        {"  \t\n ", {}},
        {"-w 3", {"-w", "3"}},
        {"'a b' c", {"a b", "c"}},
        {R"(a\ b)", {"a b"}},
        {R"("a \"b\" \c \\")", {R"(a "b" \c \)"}},
        {R"('a\b')", {R"(a\b)"}},  // nothing escapes inside single quotes
        {"''", {""}},
        {R"(a'b c'"d")", {"ab cd"}},
    };
    for (const auto& [text, words] : cases) {
        auto split = shell_split(text);
        ASSERT_TRUE(split.ok()) << text;
        EXPECT_EQ(*split, words) << text;
    }
    EXPECT_EQ(shell_split("'a").error(), "No closing quotation");
    EXPECT_EQ(shell_split("\"a").error(), "No closing quotation");
    EXPECT_EQ(shell_split("a\\").error(), "No escaped character");
}

}  // namespace
}  // namespace strata::cli
