#include "strata/python/settings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

namespace strata::python {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

WsgiSettings defaults_for(const Environment& environment = {}) {
    auto settings = WsgiSettings::defaults(environment);
    EXPECT_TRUE(settings.ok()) << (settings.ok() ? "" : settings.error());
    return settings.ok() ? settings.value() : WsgiSettings{};
}

std::string shown(const WsgiSettings& settings, std::string_view name) {
    return find_setting(name)->show(settings);
}

std::string set_error(WsgiSettings& settings, std::string_view name, const SettingValue& value) {
    auto stored = settings.set(name, value);
    return stored.ok() ? "accepted" : stored.error();
}

PythonObject function_named(std::string qualname) {
    return PythonObject{"function", "<function " + qualname + " at 0x7f>", qualname, true};
}

// `gunicorn --print-config x:app` from Debian's gunicorn 20.1.0 in an empty environment, with
// the working directory, uid and gid as placeholders. Strata adds python_home and root_path.
constexpr std::string_view kGunicornPrintConfig = R"golden(
access_log_format                 = %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"
accesslog                         = None
backlog                           = 2048
bind                              = ['127.0.0.1:8000']
ca_certs                          = None
capture_output                    = False
cert_reqs                         = 0
certfile                          = None
chdir                             = {cwd}
check_config                      = False
child_exit                        = <ChildExit.child_exit()>
ciphers                           = None
config                            = ./gunicorn.conf.py
daemon                            = False
default_proc_name                 = x:app
disable_redirect_access_to_syslog = False
do_handshake_on_connect           = False
dogstatsd_tags                    = 
enable_stdio_inheritance          = False
errorlog                          = -
forwarded_allow_ips               = ['127.0.0.1']
graceful_timeout                  = 30
group                             = {gid}
initgroups                        = False
keepalive                         = 2
keyfile                           = None
limit_request_field_size          = 8190
limit_request_fields              = 100
limit_request_line                = 4094
logconfig                         = None
logconfig_dict                    = {}
logger_class                      = gunicorn.glogging.Logger
loglevel                          = info
max_requests                      = 0
max_requests_jitter               = 0
nworkers_changed                  = <NumWorkersChanged.nworkers_changed()>
on_exit                           = <OnExit.on_exit()>
on_reload                         = <OnReload.on_reload()>
on_starting                       = <OnStarting.on_starting()>
paste                             = None
pidfile                           = None
post_fork                         = <Postfork.post_fork()>
post_request                      = <PostRequest.post_request()>
post_worker_init                  = <PostWorkerInit.post_worker_init()>
pre_exec                          = <PreExec.pre_exec()>
pre_fork                          = <Prefork.pre_fork()>
pre_request                       = <PreRequest.pre_request()>
preload_app                       = False
print_config                      = True
proc_name                         = None
proxy_allow_ips                   = ['127.0.0.1']
proxy_protocol                    = False
pythonpath                        = None
raw_env                           = []
raw_paste_global_conf             = []
reload                            = False
reload_engine                     = auto
reload_extra_files                = []
reuse_port                        = False
secure_scheme_headers             = {'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on'}
sendfile                          = None
spew                              = False
ssl_version                       = 2
statsd_host                       = None
statsd_prefix                     = 
strip_header_spaces               = False
suppress_ragged_eofs              = True
syslog                            = False
syslog_addr                       = udp://localhost:514
syslog_facility                   = user
syslog_prefix                     = None
threads                           = 1
timeout                           = 30
tmp_upload_dir                    = None
tolerate_dangerous_framing        = False
umask                             = 0
user                              = {uid}
when_ready                        = <WhenReady.when_ready()>
worker_abort                      = <WorkerAbort.worker_abort()>
worker_class                      = sync
worker_connections                = 1000
worker_exit                       = <WorkerExit.worker_exit()>
worker_int                        = <WorkerInt.worker_int()>
worker_tmp_dir                    = None
workers                           = 1
wsgi_app                          = None
)golden";

TEST(WsgiSettings, DefaultsPrintLikeGunicorn) {
    WsgiSettings settings = defaults_for();
    ASSERT_TRUE(settings.set("default_proc_name", std::string("x:app")).ok());
    ASSERT_TRUE(settings.set("print_config", true).ok());
    std::string expected(kGunicornPrintConfig.substr(1));  // the raw string's first newline
    expected = replace_all(expected, "{cwd}", std::filesystem::current_path().string());
    expected = replace_all(expected, "{uid}", std::to_string(geteuid()));
    expected = replace_all(expected, "{gid}", std::to_string(getegid()));
    std::string actual = print_config(settings);
    for (std::string_view line :
         {"python_home                       = None\n", "root_path                         = \n"}) {
        size_t at = actual.find(line);
        ASSERT_NE(at, std::string::npos) << line;
        actual.erase(at, line.size());
    }
    EXPECT_EQ(actual, expected);
}

// One line per setting the brief names: gunicorn 20.1's default, as str() shows it.
struct DefaultCase {
    std::string_view name;
    std::string_view shown;
};

const DefaultCase kDefaults[] = {
    {"bind", "['127.0.0.1:8000']"},
    {"workers", "1"},
    {"threads", "1"},
    {"worker_class", "sync"},
    {"backlog", "2048"},
    {"timeout", "30"},
    {"graceful_timeout", "30"},
    {"keepalive", "2"},
    {"max_requests", "0"},
    {"max_requests_jitter", "0"},
    {"limit_request_line", "4094"},
    {"limit_request_fields", "100"},
    {"limit_request_field_size", "8190"},
    {"preload_app", "False"},
    {"reload", "False"},
    {"pythonpath", "None"},
    {"raw_env", "[]"},
    {"pidfile", "None"},
    {"daemon", "False"},
    {"accesslog", "None"},
    {"access_log_format", R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")"},
    {"errorlog", "-"},
    {"loglevel", "info"},
    {"capture_output", "False"},
    {"forwarded_allow_ips", "['127.0.0.1']"},
    {"secure_scheme_headers",
     "{'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on'}"},
    {"proxy_allow_ips", "['127.0.0.1']"},
    {"proc_name", "None"},
    {"default_proc_name", "gunicorn"},
    {"umask", "0"},
    {"config", "./gunicorn.conf.py"},
    {"print_config", "False"},
    {"check_config", "False"},
    {"wsgi_app", "None"},
    {"sendfile", "None"},
    {"on_starting", "<OnStarting.on_starting()>"},
    {"post_request", "<PostRequest.post_request()>"},
    {"python_home", "None"},
    {"root_path", ""},
};

TEST(WsgiSettings, DefaultsAreGunicorns) {
    WsgiSettings settings = defaults_for();
    for (const DefaultCase& c : kDefaults)
        EXPECT_EQ(shown(settings, c.name), c.shown) << c.name;
    EXPECT_EQ(settings.workers, 1);
    EXPECT_EQ(settings.bind, std::vector<std::string>{"127.0.0.1:8000"});
    EXPECT_EQ(settings.chdir, std::filesystem::current_path().string());
    EXPECT_EQ(settings.user, static_cast<std::int64_t>(geteuid()));
    EXPECT_EQ(settings.group, static_cast<std::int64_t>(getegid()));
    EXPECT_FALSE(settings.was_set("workers"));  // a default is not a setting someone made
}

// The environment variables gunicorn (and strata's two extras) read for defaults.
struct EnvironmentCase {
    Environment environment;
    std::string_view name;
    std::string_view shown;
};

TEST(WsgiSettings, EnvironmentDefaults) {
    const EnvironmentCase cases[] = {
        {{{"WEB_CONCURRENCY", "4"}}, "workers", "4"},
        {{{"WEB_CONCURRENCY", " 010 "}}, "workers", "10"},  // int() of base 10, spaces allowed
        {{{"PORT", "9999"}}, "bind", "['0.0.0.0:9999']"},
        {{{"PORT", ""}}, "bind", "['0.0.0.0:']"},  // as gunicorn formats it
        {{{"FORWARDED_ALLOW_IPS", "*"}}, "forwarded_allow_ips", "['*']"},
        {{{"FORWARDED_ALLOW_IPS", "10.0.0.1, 10.0.0.2"}},
         "forwarded_allow_ips",
         "['10.0.0.1', '10.0.0.2']"},
        {{{"VIRTUAL_ENV", "/srv/venv"}}, "python_home", "/srv/venv"},
        {{{"SCRIPT_NAME", "/app"}}, "root_path", "/app"},
    };
    for (const EnvironmentCase& c : cases)
        EXPECT_EQ(shown(defaults_for(c.environment), c.name), c.shown) << c.name;
}

TEST(WsgiSettings, BadWebConcurrencyFailsAsInGunicorn) {
    auto letters = WsgiSettings::defaults({{"WEB_CONCURRENCY", "abc"}});
    ASSERT_FALSE(letters.ok());
    EXPECT_EQ(letters.error(), "WEB_CONCURRENCY: invalid literal for int() with base 10: 'abc'");
    auto negative = WsgiSettings::defaults({{"WEB_CONCURRENCY", "-2"}});
    ASSERT_FALSE(negative.ok());
    EXPECT_EQ(negative.error(), "workers: Value must be positive: -2");
}

// gunicorn's util.getcwd(): $PWD when it names the working directory (a symlink's spelling
// survives), else the real path.
TEST(WsgiSettings, ChdirDefaultKeepsPwdSpellingWhenItIsTheSameDirectory) {
    std::filesystem::path cwd = std::filesystem::current_path();
    std::filesystem::path link = std::filesystem::temp_directory_path() /
                                 ("strata-settings-test-" + std::to_string(getpid()));
    std::filesystem::create_directory_symlink(cwd, link);
    EXPECT_EQ(defaults_for({{"PWD", link.string()}}).chdir, link.string());
    EXPECT_EQ(defaults_for({{"PWD", "/no/such/dir"}}).chdir, cwd.string());
    std::filesystem::remove(link);
}

// set(name, value): what is stored (as str() shows it) or gunicorn's message for the refusal.
struct SetCase {
    std::string_view name;
    SettingValue value;
    std::string_view expected;  // the shown value, or the error
};

TEST(WsgiSettings, SetValidatesLikeGunicorn) {
    const SetCase cases[] = {
        // validate_pos_int: ints, bools, and str through int(text, 0)
        {"workers", std::int64_t{4}, "4"},
        {"workers", true, "1"},
        {"workers", std::string("0x10"), "16"},
        {"workers", std::string(" 1_0 "), "10"},
        {"workers", std::int64_t{-1}, "Value must be positive: -1"},
        {"workers", std::string("-3"), "Value must be positive: -3"},
        {"workers", std::string("010"), "invalid literal for int() with base 0: '010'"},
        {"workers", std::string("x"), "invalid literal for int() with base 0: 'x'"},
        {"workers", SettingValue{}, "int() can't convert non-string with explicit base"},
        {"timeout", PythonObject{"float", "1.5", "", false},
         "int() can't convert non-string with explicit base"},
        // gunicorn validates only the sign; its request parser clamps at 8190 later
        {"limit_request_line", std::int64_t{10000}, "10000"},
        {"limit_request_fields", std::int64_t{40000}, "40000"},
        {"limit_request_line", std::int64_t{0}, "0"},
        // validate_bool
        {"daemon", std::string(" TRUE "), "True"},
        {"daemon", std::string("false"), "False"},
        {"daemon", std::string("yes"), "Invalid boolean: yes"},
        {"daemon", std::int64_t{1}, "Invalid type for casting: 1"},
        {"sendfile", false, "False"},
        {"sendfile", SettingValue{}, "None"},
        // validate_string: stripped; None only where the default is None
        {"pidfile", std::string("  /run/app.pid "), "/run/app.pid"},
        {"pidfile", SettingValue{}, "None"},
        {"loglevel", std::string("debug"), "debug"},
        {"loglevel", std::string("bogus"), "bogus"},  // gunicorn logs at info instead
        {"loglevel", SettingValue{}, "Not a string: None"},
        {"accesslog", std::int64_t{3}, "Not a string: 3"},
        // validate_list_string
        {"bind", std::string(" :9000 "), "[':9000']"},
        {"bind", std::vector<std::string>{"a", " b"}, "['a', 'b']"},
        {"bind", SettingValue{}, "[]"},
        {"bind", std::int64_t{5}, "'int' object is not iterable"},
        {"raw_env", std::vector<std::string>{"A=1", "B=it's"}, R"(['A=1', "B=it's"])"},
        // validate_string_to_list
        {"forwarded_allow_ips", std::string("a, ,b,,c"), "['a', '', 'b', 'c']"},
        {"proxy_allow_ips", std::string(""), "[]"},
        // validate_dict
        {"secure_scheme_headers", StringPairs{{"X-PROTO", "https"}}, "{'X-PROTO': 'https'}"},
        {"secure_scheme_headers", std::string("x"), "Value is not a dictionary: x "},
        {"logconfig_dict", PythonObject{"dict", "{'version': 1}", "", false}, "{'version': 1}"},
        // worker classes strata runs
        {"worker_class", std::string("gthread"), "gthread"},
        {"worker_class", std::string("gunicorn.workers.sync.SyncWorker"),
         "gunicorn.workers.sync.SyncWorker"},
        {"worker_class", std::string("gevent"),
         "Worker class 'gevent' is not supported by strata: use sync or gthread"},
        {"worker_class", PythonObject{"type", "<class 'w.W'>", "W", true},
         "Custom worker classes are not supported by strata: use sync or gthread"},
        // the rest of gunicorn's special validators
        {"reload_engine", std::string("poll"), "poll"},
        {"reload_engine", std::string("bad"), "Invalid reload_engine: 'bad'"},
        {"ssl_version", std::string("TLSv1_2"), "5"},
        {"ssl_version", std::int64_t{16}, "16"},
        {"ssl_version", std::string("bad"),
         "Invalid ssl_version: bad. Valid options: SSLv23, TLS, TLS_CLIENT, TLS_SERVER, TLSv1, "
         "TLSv1_1, TLSv1_2"},
        {"statsd_host", std::string("localhost:8125"), "('localhost', 8125)"},
        {"statsd_host", std::string("localhost"), "Value must consist of: hostname:port"},
        {"statsd_host", std::string("h:p"), "invalid literal for int() with base 10: 'p'"},
        {"user", std::string("0"), "0"},
        {"user", std::string("root"), "0"},
        {"user", std::string("no-such-user-here"), "No such user: 'no-such-user-here'"},
        {"group", std::string("no-such-group-here"), "No such group: 'no-such-group-here'"},
        {"chdir", std::string("/"), "/"},
        {"chdir", std::string("/tmp/../"), "/"},
        {"chdir", std::string("/no/such/dir"), "can't chdir to '/no/such/dir'"},
        {"reload_extra_files", std::string("/no/such/file"), "File /no/such/file does not exists."},
        // hooks: callables from the config file, or import strings
        {"on_starting", function_named("on_starting"), "<on_starting()>"},
        {"pre_fork", std::string("hooks.before_fork"), "<before_fork()>"},
        {"pre_fork", std::string("nodots"),
         "Value 'nodots' is not import string. Format: module[.submodules...].object"},
        {"when_ready", std::int64_t{3}, "Value is not callable: 3"},
        // strata's own
        {"python_home", std::string("/srv/venv"), "/srv/venv"},
        {"root_path", std::string("/mount"), "/mount"},
    };
    for (const SetCase& c : cases) {
        WsgiSettings settings = defaults_for();
        auto stored = settings.set(c.name, c.value);
        std::string outcome = stored.ok() ? shown(settings, c.name) : stored.error();
        EXPECT_EQ(outcome, c.expected) << c.name << " = " << python_str(c.value);
    }
}

TEST(WsgiSettings, RefusedValueLeavesTheSettingAsItWas) {
    WsgiSettings settings = defaults_for();
    ASSERT_TRUE(settings.set("workers", std::int64_t{3}).ok());
    EXPECT_FALSE(settings.set("workers", std::int64_t{-1}).ok());
    EXPECT_EQ(settings.workers, 3);
    EXPECT_TRUE(settings.was_set("workers"));
}

TEST(WsgiSettings, UnknownNames) {
    WsgiSettings settings = defaults_for();
    EXPECT_EQ(set_error(settings, "wokers", std::int64_t{2}),
              "No configuration setting for: wokers");
    // A config file's other module-level names (imports, helpers) are ignored, as in gunicorn.
    EXPECT_TRUE(settings.set_from_config_file("multiprocessing", std::string("x")).ok());
    EXPECT_TRUE(settings.set_from_config_file("Workers", std::int64_t{2}).ok());  // case matters
    EXPECT_EQ(settings.workers, 1);
}

TEST(WsgiSettings, ConfigFileErrorsReadLikeGunicorns) {
    WsgiSettings settings = defaults_for();
    auto stored = settings.set_from_config_file("workers", std::int64_t{-1});
    ASSERT_FALSE(stored.ok());
    EXPECT_EQ(stored.error(),
              "Invalid value for workers: -1\n\n\nError: Value must be positive: -1\n");
    ASSERT_TRUE(settings.set_from_config_file("workers", std::int64_t{5}).ok());
    EXPECT_EQ(settings.workers, 5);
}

TEST(WsgiSettings, PrintConfigShape) {
    WsgiSettings settings = defaults_for();
    ASSERT_TRUE(settings.set("on_exit", function_named("Hooks.bye")).ok());
    ASSERT_TRUE(settings.set("raw_env", std::vector<std::string>{"A=1"}).ok());
    std::string text = print_config(settings);
    EXPECT_EQ(text.back(), '\n');
    std::vector<std::string> names;
    size_t width = std::string_view("disable_redirect_access_to_syslog").size();
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        EXPECT_EQ(line.substr(width, 3), " = ") << line;  // names padded to the longest
        names.push_back(line.substr(0, line.find(' ')));
        start = end + 1;
    }
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_EQ(names.size(), setting_specs().size());
    EXPECT_NE(text.find("\non_exit                           = <Hooks.bye()>\n"),
              std::string::npos);
    EXPECT_NE(text.find("\nraw_env                           = ['A=1']\n"), std::string::npos);
}

TEST(SettingSpecs, EveryRowIsComplete) {
    std::set<std::string_view> names, flags;
    for (const SettingSpec& spec : setting_specs()) {
        EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
        EXPECT_NE(spec.assign, nullptr) << spec.name;
        EXPECT_NE(spec.show, nullptr) << spec.name;
        EXPECT_FALSE(spec.help.empty()) << spec.name;
        EXPECT_EQ(spec.on_command_line(), !spec.cli.flags[0].empty()) << spec.name;
        for (std::string_view flag : spec.cli.flags)
            if (!flag.empty()) {
                EXPECT_TRUE(flags.insert(flag).second) << flag;
            }
    }
    // gunicorn 20.1's 86 (with Debian's tolerate_dangerous_framing) and strata's 2.
    EXPECT_EQ(names.size(), 88u);
}

TEST(SettingSpecs, MetavarAndHelpLikeArgparse) {
    EXPECT_EQ(find_setting("workers")->display_metavar(), "INT");
    EXPECT_EQ(find_setting("chdir")->display_metavar(), "CHDIR");
    EXPECT_EQ(find_setting("proxy_allow_ips")->display_metavar(), "PROXY_ALLOW_IPS");
    EXPECT_EQ(find_setting("bind")->help_line({}), "The socket to bind. [['127.0.0.1:8000']]");
    EXPECT_EQ(find_setting("bind")->help_line({{"PORT", "5000"}}),
              "The socket to bind. [['0.0.0.0:5000']]");
    EXPECT_EQ(find_setting("workers")->help_line({{"WEB_CONCURRENCY", "3"}}),
              "The number of worker processes for handling requests. [3]");
    EXPECT_EQ(find_setting("forwarded_allow_ips")->help_line({}),
              "Front-end's IPs from which allowed to handle set secure headers. [127.0.0.1]");
}

// argparse's `type` conversions for command-line text.
TEST(SettingSpecs, FromArgument) {
    struct Case {
        std::string_view name, text, expected;
    };
    const Case cases[] = {
        {"workers", "3", "3"},
        {"workers", " 7 ", "7"},
        {"workers", "-2", "-2"},  // the sign is the validator's business
        {"workers", "0x10", "invalid int value: '0x10'"},
        {"workers", "", "invalid int value: ''"},
        {"umask", "0022", "18"},  // auto_int: a leading 0 means octal
        {"umask", "0x1F", "31"},
        {"umask", "0", "0"},
        {"umask", "08", "invalid auto_int value: '08'"},
        {"cert_reqs", "2", "2"},  // no type: the text goes to validate_pos_int
        {"bind", "unix:/x", "unix:/x"},
    };
    for (const Case& c : cases) {
        auto value = find_setting(c.name)->from_argument(c.text);
        EXPECT_EQ(value.ok() ? python_str(value.value()) : value.error(), c.expected)
            << c.name << " " << c.text;
    }
}

// gunicorn's util.parse_address.
struct BindCase {
    std::string_view text;
    Bind::Kind kind;
    std::string_view host_or_path;
    std::int64_t port_or_fd;
};

TEST(ParseBind, Forms) {
    const BindCase cases[] = {
        {"127.0.0.1:8000", Bind::Kind::tcp, "127.0.0.1", 8000},
        {"localhost", Bind::Kind::tcp, "localhost", 8000},
        {"Example.COM:80", Bind::Kind::tcp, "example.com", 80},
        {":9000", Bind::Kind::tcp, "", 9000},
        {"", Bind::Kind::tcp, "0.0.0.0", 8000},
        {"0.0.0.0:0", Bind::Kind::tcp, "0.0.0.0", 0},
        {"[::1]:9000", Bind::Kind::tcp, "::1", 9000},
        {"[::]", Bind::Kind::tcp, "::", 8000},
        {"[fe80::1]:65535", Bind::Kind::tcp, "fe80::1", 65535},
        {"tcp://10.0.0.1:81", Bind::Kind::tcp, "10.0.0.1", 81},
        {"a:1:2", Bind::Kind::tcp, "a", 1},  // gunicorn takes the first two parts
        {"unix:/tmp/app.sock", Bind::Kind::unix_socket, "/tmp/app.sock", -1},
        {"unix:///tmp/app.sock", Bind::Kind::unix_socket, "/tmp/app.sock", -1},
        {"unix:relative.sock", Bind::Kind::unix_socket, "relative.sock", -1},
        {"fd://3", Bind::Kind::fd, "", 3},
    };
    for (const BindCase& c : cases) {
        auto bind = parse_bind(c.text);
        ASSERT_TRUE(bind.ok()) << c.text << ": " << bind.error();
        EXPECT_EQ(bind->kind, c.kind) << c.text;
        if (c.kind == Bind::Kind::tcp) {
            EXPECT_EQ(bind->host, c.host_or_path) << c.text;
            EXPECT_EQ(bind->port, c.port_or_fd) << c.text;
        } else if (c.kind == Bind::Kind::unix_socket) {
            EXPECT_EQ(bind->path, c.host_or_path) << c.text;
        } else {
            EXPECT_EQ(bind->fd, c.port_or_fd) << c.text;
        }
    }
}

TEST(ParseBind, ErrorsAreGunicorns) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"localhost:http", "'http' is not a valid port number."},
        {"host:", "'' is not a valid port number."},
        {"[::1]:x", "'x' is not a valid port number."},
        {"fd://x", "'x' is not a valid file descriptor."},
        {"fd://", "'' is not a valid file descriptor."},
        {"host:70000", "bind(): port must be 0-65535."},
        {"host:-1", "bind(): port must be 0-65535."},
    };
    for (const auto& [text, message] : cases) {
        auto bind = parse_bind(text);
        ASSERT_FALSE(bind.ok()) << text;
        EXPECT_EQ(bind.error(), message) << text;
    }
}

TEST(WsgiSettings, Addresses) {
    WsgiSettings settings = defaults_for();
    ASSERT_TRUE(settings.set("bind", std::vector<std::string>{"[::1]:1", "unix:/s"}).ok());
    auto addresses = settings.addresses();
    ASSERT_TRUE(addresses.ok());
    ASSERT_EQ(addresses->size(), 2u);
    EXPECT_EQ((*addresses)[0].host, "::1");
    EXPECT_EQ((*addresses)[1].path, "/s");
    ASSERT_TRUE(settings.set("bind", std::string("h:x")).ok());  // checked when used, as gunicorn
    EXPECT_FALSE(settings.addresses().ok());
}

TEST(WsgiSettings, EnvPairs) {
    WsgiSettings settings = defaults_for();
    ASSERT_TRUE(settings.set("raw_env", std::vector<std::string>{"A=1", "B=x=y"}).ok());
    auto pairs = settings.env();
    ASSERT_TRUE(pairs.ok());
    EXPECT_EQ(*pairs, (StringPairs{{"A", "1"}, {"B", "x=y"}}));
    ASSERT_TRUE(settings.set("raw_env", std::vector<std::string>{"NOEQUALS"}).ok());
    ASSERT_FALSE(settings.env().ok());
    EXPECT_EQ(settings.env().error(), "environment setting 'NOEQUALS' invalid");
}

TEST(WsgiSettings, WorkerKind) {
    WsgiSettings settings = defaults_for();
    EXPECT_EQ(settings.worker_kind(), WorkerKind::sync);
    ASSERT_TRUE(settings.set("threads", std::int64_t{4}).ok());
    EXPECT_EQ(settings.worker_kind(), WorkerKind::gthread);  // gunicorn's switch to gthread
    ASSERT_TRUE(settings.set("threads", std::int64_t{1}).ok());
    ASSERT_TRUE(settings.set("worker_class", std::string("gthread")).ok());
    EXPECT_EQ(settings.worker_kind(), WorkerKind::gthread);
}

TEST(WsgiSettings, DerivedValues) {
    WsgiSettings settings = defaults_for({{"SENDFILE", "no"}});
    EXPECT_EQ(settings.effective_proc_name(), "gunicorn");
    EXPECT_EQ(settings.effective_loglevel(), "info");
    EXPECT_FALSE(settings.sendfile_enabled());
    EXPECT_TRUE(settings.python_paths().empty());
    ASSERT_TRUE(settings.set("proc_name", std::string("web")).ok());
    ASSERT_TRUE(settings.set("loglevel", std::string("WARNING")).ok());
    ASSERT_TRUE(settings.set("pythonpath", std::string("/a,/b")).ok());
    EXPECT_EQ(settings.effective_proc_name(), "web");
    EXPECT_EQ(settings.effective_loglevel(), "warning");
    EXPECT_EQ(settings.python_paths(), (std::vector<std::string>{"/a", "/b"}));
    ASSERT_TRUE(settings.set("loglevel", std::string("loud")).ok());
    EXPECT_EQ(settings.effective_loglevel(), "info");
    EXPECT_TRUE(defaults_for().sendfile_enabled());
    WsgiSettings no_sendfile = defaults_for({{"SENDFILE", "yes"}});
    ASSERT_TRUE(no_sendfile.set("sendfile", false).ok());
    EXPECT_FALSE(no_sendfile.sendfile_enabled());
}

TEST(WsgiSettings, LimitsAsGunicornsParserClampsThem) {
    WsgiSettings settings = defaults_for();
    EXPECT_EQ(settings.effective_limit_request_line(), 4094);
    EXPECT_EQ(settings.effective_limit_request_fields(), 100);
    EXPECT_EQ(settings.effective_limit_request_field_size(), 8190);
    ASSERT_TRUE(settings.set("limit_request_line", std::int64_t{10000}).ok());
    ASSERT_TRUE(settings.set("limit_request_fields", std::int64_t{0}).ok());
    ASSERT_TRUE(settings.set("limit_request_field_size", std::int64_t{0}).ok());
    EXPECT_EQ(settings.effective_limit_request_line(), kMaxRequestLine);
    EXPECT_EQ(settings.effective_limit_request_fields(), kMaxHeaders);
    EXPECT_EQ(settings.effective_limit_request_field_size(), 0);  // 0: no limit per field
    ASSERT_TRUE(settings.set("limit_request_line", std::int64_t{0}).ok());
    EXPECT_EQ(settings.effective_limit_request_line(), 0);  // 0: no limit
}

TEST(WsgiSettings, ScriptName) {
    EXPECT_EQ(defaults_for().script_name(), "");
    EXPECT_EQ(defaults_for({{"SCRIPT_NAME", "/env"}}).script_name(), "/env");
    WsgiSettings settings = defaults_for({{"SCRIPT_NAME", "/env"}});
    ASSERT_TRUE(settings.set("raw_env", std::vector<std::string>{"SCRIPT_NAME=/raw"}).ok());
    EXPECT_EQ(settings.script_name(), "/raw");  // gunicorn puts raw_env into os.environ
    ASSERT_TRUE(settings.set("root_path", std::string("/explicit")).ok());
    EXPECT_EQ(settings.script_name(), "/explicit");
}

TEST(PythonText, ReprAndStr) {
    EXPECT_EQ(python_repr("abc"), "'abc'");
    EXPECT_EQ(python_repr("it's"), "\"it's\"");
    EXPECT_EQ(python_repr("'\""), R"('\'"')");
    EXPECT_EQ(python_repr("a\\b\n\t\x01"), R"('a\\b\n\t\x01')");
    EXPECT_EQ(python_str(SettingValue{}), "None");
    EXPECT_EQ(python_str(true), "True");
    EXPECT_EQ(python_str(std::int64_t{-4}), "-4");
    EXPECT_EQ(python_str(std::string("text")), "text");
    EXPECT_EQ(python_str(std::vector<std::string>{}), "[]");
    EXPECT_EQ(python_str(StringPairs{{"k", "v"}}), "{'k': 'v'}");
}

TEST(Environment, FromEnviron) {
    const char* entries[] = {"A=1", "B=x=y", "C=", "BROKEN", nullptr};
    EXPECT_EQ(environment_from(entries), (Environment{{"A", "1"}, {"B", "x=y"}, {"C", ""}}));
    EXPECT_TRUE(environment_from(nullptr).empty());
}

}  // namespace
}  // namespace strata::python
