#include "strata/python/settings.h"

#include <fmt/core.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <limits>

namespace strata::python {
namespace {

// ---------------------------------------------------------------------------------------------
// Python's text rules, as far as gunicorn's validators and printing depend on them.

// str.strip()'s ASCII whitespace (str.isspace is true for these).
constexpr std::string_view kPythonSpace = " \t\n\v\f\r\x1c\x1d\x1e\x1f";

std::string_view strip(std::string_view s) {
    size_t first = s.find_first_not_of(kPythonSpace);
    if (first == std::string_view::npos) return {};
    size_t last = s.find_last_not_of(kPythonSpace);
    return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::vector<std::string> split(std::string_view s, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t at = s.find(separator); at != std::string_view::npos;
         at = s.find(separator, start)) {
        parts.emplace_back(s.substr(start, at - start));
        start = at + 1;
    }
    parts.emplace_back(s.substr(start));
    return parts;
}

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

// The radix a base-0 literal's prefix names ("0x1f"), or 0 when it has none.
int prefixed_radix(std::string_view s) {
    if (s.size() < 2 || s[0] != '0') return 0;
    switch (s[1]) {
        case 'x':
        case 'X':
            return 16;
        case 'o':
        case 'O':
            return 8;
        case 'b':
        case 'B':
            return 2;
    }
    return 0;
}

// Digits with single underscores between them (after a prefix, one may also lead). Values
// beyond 64 bits are refused as invalid; Python would take them, but no setting needs them.
std::optional<std::int64_t> parse_digits(std::string_view s, int radix, bool leading_underscore) {
    if (s.empty()) return std::nullopt;
    std::int64_t value = 0;
    bool after_digit = leading_underscore;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_') {
            if (!after_digit || i + 1 == s.size()) return std::nullopt;
            after_digit = false;
            continue;
        }
        int d = digit_value(s[i]);
        if (d >= radix) return std::nullopt;
        if (value > (std::numeric_limits<std::int64_t>::max() - d) / radix) return std::nullopt;
        value = value * radix + d;
        after_digit = true;
    }
    return value;
}

// int(text, base) for base 10 or 0 (prefixes 0x/0o/0b; no leading zeros on decimals).
Result<std::int64_t, std::string> python_int(std::string_view text, int base) {
    auto invalid = [&] {
        return Err{
            fmt::format("invalid literal for int() with base {}: {}", base, python_repr(text))};
    };
    std::string_view s = strip(text);
    bool negative = !s.empty() && s[0] == '-';
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    int radix = base == 0 ? prefixed_radix(s) : 0;
    std::optional<std::int64_t> value;
    if (radix != 0) {
        value = parse_digits(s.substr(2), radix, true);
    } else {
        value = parse_digits(s, 10, false);
        // Base 0 refuses "010" (Python 3 has no bare octal), yet takes "0" and "00".
        if (value && base == 0 && s[0] == '0' && *value != 0) value.reset();
    }
    if (!value) return invalid();
    return negative ? -*value : *value;
}

// gunicorn's auto_int (umask): "0022" is octal, as in Python 2; else int(text, 0).
Result<std::int64_t, std::string> auto_int(std::string_view text) {
    if (text.size() >= 2 && text[0] == '0' && text[1] >= '0' && text[1] <= '9')
        return python_int("0o" + std::string(text.substr(1)), 0);
    return python_int(text, 0);
}

std::string list_repr(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + python_repr(items[i]);
    return out + "]";
}

std::string dict_repr(const StringPairs& pairs) {
    std::string out = "{";
    for (size_t i = 0; i < pairs.size(); ++i)
        out += (i ? ", " : "") + python_repr(pairs[i].first) + ": " + python_repr(pairs[i].second);
    return out + "}";
}

// repr(value): like str() except that a str is quoted.
std::string value_repr(const SettingValue& value) {
    if (const auto* s = std::get_if<std::string>(&value)) return python_repr(*s);
    return python_str(value);
}

// type(value).__name__, for Python's own error messages.
std::string type_name(const SettingValue& value) {
    struct Names {
        std::string operator()(std::monostate) const { return "NoneType"; }
        std::string operator()(bool) const { return "bool"; }
        std::string operator()(std::int64_t) const { return "int"; }
        std::string operator()(const std::string&) const { return "str"; }
        std::string operator()(const std::vector<std::string>&) const { return "list"; }
        std::string operator()(const StringPairs&) const { return "dict"; }
        std::string operator()(const PythonObject& o) const { return o.type_name; }
    };
    return std::visit(Names{}, value);
}

// bool(value) for the shapes that can be false.
bool truthy(const SettingValue& value) {
    struct Truth {
        bool operator()(std::monostate) const { return false; }
        bool operator()(bool b) const { return b; }
        bool operator()(std::int64_t n) const { return n != 0; }
        bool operator()(const std::string& s) const { return !s.empty(); }
        bool operator()(const std::vector<std::string>& v) const { return !v.empty(); }
        bool operator()(const StringPairs& p) const { return !p.empty(); }
        bool operator()(const PythonObject&) const { return true; }
    };
    return std::visit(Truth{}, value);
}

// ---------------------------------------------------------------------------------------------
// gunicorn's validators, one per kind of setting. Each returns the typed value or gunicorn's
// message for the value it refuses.

template <class T>
using Checked = Result<T, std::string>;

// validate_pos_int: an int (a bool counts), or a str read as int(text, 0); never negative.
Checked<std::int64_t> positive_int(const SettingValue& value) {
    std::int64_t n = 0;
    if (const auto* b = std::get_if<bool>(&value)) {
        n = *b ? 1 : 0;
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
        n = *i;
    } else if (const auto* s = std::get_if<std::string>(&value)) {
        auto parsed = python_int(*s, 0);
        if (!parsed) return Err{parsed.error()};
        n = *parsed;
    } else {
        return Err{std::string("int() can't convert non-string with explicit base")};
    }
    if (n < 0) return Err{fmt::format("Value must be positive: {}", n)};
    return n;
}

// validate_bool: None stays None; "true"/"false" in any case, around spaces.
Checked<std::optional<bool>> optional_flag(const SettingValue& value) {
    if (std::holds_alternative<std::monostate>(value)) return std::optional<bool>{};
    if (const auto* b = std::get_if<bool>(&value)) return std::optional<bool>{*b};
    const auto* s = std::get_if<std::string>(&value);
    if (!s) return Err{"Invalid type for casting: " + python_str(value)};
    std::string word = lower(strip(*s));
    if (word == "true") return std::optional<bool>{true};
    if (word == "false") return std::optional<bool>{false};
    return Err{"Invalid boolean: " + *s};
}

// A bool field: None reads as False (it is falsy in gunicorn too).
Checked<bool> flag(const SettingValue& value) {
    auto checked = optional_flag(value);
    if (!checked) return Err{checked.error()};
    return checked->value_or(false);
}

// validate_string: None stays None; a str is stripped.
Checked<std::optional<std::string>> optional_text(const SettingValue& value) {
    if (std::holds_alternative<std::monostate>(value)) return std::optional<std::string>{};
    const auto* s = std::get_if<std::string>(&value);
    if (!s) return Err{"Not a string: " + python_str(value)};
    return std::optional<std::string>{std::string(strip(*s))};
}

// A string setting whose default is a str: None is refused rather than stored (gunicorn
// would store it and fail later, when the value is used).
Checked<std::string> text(const SettingValue& value) {
    auto checked = optional_text(value);
    if (!checked) return Err{checked.error()};
    if (!checked->has_value()) return Err{std::string("Not a string: None")};
    return **checked;
}

// validate_list_string: falsy is [], a str is a one-item list, every item is stripped.
Checked<std::vector<std::string>> text_list(const SettingValue& value) {
    if (!truthy(value)) return std::vector<std::string>{};
    if (const auto* s = std::get_if<std::string>(&value))
        return std::vector<std::string>{std::string(strip(*s))};
    std::vector<std::string> items;
    if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
        for (const std::string& item : *list)
            items.emplace_back(strip(item));
    } else if (const auto* pairs = std::get_if<StringPairs>(&value)) {
        for (const auto& pair : *pairs)
            items.emplace_back(strip(pair.first));  // a dict's keys
    } else if (std::holds_alternative<PythonObject>(value)) {
        return Err{"Not a list of strings: " + python_str(value)};
    } else {
        return Err{fmt::format("'{}' object is not iterable", type_name(value))};
    }
    return items;
}

// validate_list_of_existing_files.
Checked<std::vector<std::string>> existing_files(const SettingValue& value) {
    auto files = text_list(value);
    if (!files) return files;
    for (const std::string& file : *files) {
        std::error_code ignored;
        if (!std::filesystem::exists(file, ignored))
            return Err{fmt::format("File {} does not exists.", file)};
    }
    return files;
}

// validate_string_to_list: "a, b" → ['a', 'b'] (empty pieces dropped before stripping).
Checked<std::vector<std::string>> comma_list(const SettingValue& value) {
    auto checked = optional_text(value);
    if (!checked) return Err{checked.error()};
    std::vector<std::string> items;
    if (!checked->has_value()) return items;
    if ((*checked)->empty()) return items;
    for (const std::string& piece : split(**checked, ','))
        if (!piece.empty()) items.emplace_back(strip(piece));
    return items;
}

Err<std::string> not_a_dictionary(const SettingValue& value) {
    return Err{"Value is not a dictionary: " + python_str(value) + " "};
}

// validate_dict, for secure_scheme_headers: strata reads the pairs, so they must be str.
Checked<StringPairs> string_pairs(const SettingValue& value) {
    if (const auto* pairs = std::get_if<StringPairs>(&value)) return *pairs;
    const auto* object = std::get_if<PythonObject>(&value);
    if (object && object->type_name == "dict")
        return Err{"Header names and values must be strings: " + object->repr};
    return not_a_dictionary(value);
}

// validate_dict, for logconfig_dict: any dict; the python layer interprets it.
Checked<SettingValue> python_dict(const SettingValue& value) {
    if (std::holds_alternative<StringPairs>(value)) return value;
    const auto* object = std::get_if<PythonObject>(&value);
    if (object && object->type_name == "dict") return value;
    return not_a_dictionary(value);
}

// validate_callable's first half: an import string or a callable. Importing the string and
// checking the arity need the interpreter, so the python layer does them.
Checked<Hook> hook(const SettingValue& value) {
    if (const auto* s = std::get_if<std::string>(&value)) {
        size_t dot = s->rfind('.');
        if (dot == std::string::npos)
            return Err{fmt::format(
                "Value '{}' is not import string. Format: module[.submodules...].object", *s)};
        return Hook{s->substr(dot + 1), *s};
    }
    const auto* object = std::get_if<PythonObject>(&value);
    if (!object || !object->callable) return Err{"Value is not callable: " + python_str(value)};
    return Hook{object->qualname, ""};
}

// validate_class for logger_class: a name, or a class (kept as its repr; strata's own
// logger does the logging either way).
Checked<std::string> class_name(const SettingValue& value) {
    if (const auto* object = std::get_if<PythonObject>(&value)) return object->repr;
    return text(value);
}

bool is_supported_worker_class(std::string_view name) {
    static constexpr std::string_view kNames[] = {
        "sync",
        "gthread",
        "gunicorn.workers.sync.SyncWorker",
        "gunicorn.workers.gthread.ThreadWorker",
        "egg:gunicorn#sync",
        "egg:gunicorn#gthread",
    };
    return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// validate_class for worker_class: strata runs gunicorn's sync and gthread workers only, so
// others (gevent, eventlet, tornado, custom classes) are refused here, not at start-up.
Checked<std::string> worker_class(const SettingValue& value) {
    if (std::holds_alternative<PythonObject>(value))
        return Err{
            std::string("Custom worker classes are not supported by strata: use sync or gthread")};
    auto name = text(value);
    if (!name) return name;
    if (!is_supported_worker_class(*name))
        return Err{fmt::format("Worker class {} is not supported by strata: use sync or gthread",
                               python_repr(*name))};
    return name;
}

// validate_reload_engine: one of gunicorn's reloader_engines, compared exactly.
Checked<std::string> reload_engine(const SettingValue& value) {
    const auto* s = std::get_if<std::string>(&value);
    if (!s || (*s != "auto" && *s != "poll" && *s != "inotify"))
        return Err{"Invalid reload_engine: " + value_repr(value)};
    return *s;
}

// validate_ssl_version: an ssl.PROTOCOL_* name or its number (Python 3.11's ssl module).
Checked<std::int64_t> ssl_version(const SettingValue& value) {
    struct Protocol {
        std::string_view name;
        std::int64_t number;
    };
    static constexpr Protocol kProtocols[] = {
        {"SSLv23", 2}, {"TLS", 2},     {"TLS_CLIENT", 16}, {"TLS_SERVER", 17},
        {"TLSv1", 3},  {"TLSv1_1", 4}, {"TLSv1_2", 5},
    };
    const auto* s = std::get_if<std::string>(&value);
    for (const Protocol& p : kProtocols)
        if (s && *s == p.name) return p.number;
    if (auto n = positive_int(value))
        for (const Protocol& p : kProtocols)
            if (*n == p.number) return p.number;
    return Err{"Invalid ssl_version: " + python_str(value) +
               ". Valid options: SSLv23, TLS, TLS_CLIENT, TLS_SERVER, TLSv1, TLSv1_1, TLSv1_2"};
}

// validate_hostport: "host:port" (exactly one colon) or None.
Checked<std::optional<HostPort>> host_port(const SettingValue& value) {
    auto checked = optional_text(value);
    if (!checked) return Err{checked.error()};
    if (!checked->has_value()) return std::optional<HostPort>{};
    std::vector<std::string> parts = split(**checked, ':');
    if (parts.size() != 2) return Err{std::string("Value must consist of: hostname:port")};
    auto port = python_int(parts[1], 10);
    if (!port) return Err{port.error()};
    return std::optional<HostPort>{HostPort{parts[0], *port}};
}

// Looks a user or group name up in the system databases (getpwnam_r / getgrnam_r).
template <class Entry, class FindEntry, class IdOf>
std::optional<std::int64_t> lookup_id(const std::string& name, FindEntry find_entry, IdOf id_of) {
    std::vector<char> buffer(16384);
    Entry entry{};
    Entry* found = nullptr;
    while (find_entry(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == ERANGE)
        buffer.resize(buffer.size() * 2);
    if (!found) return std::nullopt;
    return static_cast<std::int64_t>(id_of(*found));
}

// validate_user / validate_group: None is the effective id, an int or a digit string is
// taken as it is, any other string is looked up by name.
Checked<std::int64_t> account_id(const SettingValue& value, bool is_user) {
    if (std::holds_alternative<std::monostate>(value))
        return static_cast<std::int64_t>(is_user ? geteuid() : getegid());
    if (const auto* b = std::get_if<bool>(&value)) return std::int64_t{*b ? 1 : 0};
    if (const auto* n = std::get_if<std::int64_t>(&value)) return *n;
    const auto* s = std::get_if<std::string>(&value);
    if (!s) return Err{fmt::format("'{}' object has no attribute 'isdigit'", type_name(value))};
    bool digits = !s->empty() && s->find_first_not_of("0123456789") == std::string::npos;
    if (digits) return python_int(*s, 10);
    std::optional<std::int64_t> id =
        is_user ? lookup_id<passwd>(*s, getpwnam_r, [](const passwd& p) { return p.pw_uid; })
                : lookup_id<group>(*s, getgrnam_r, [](const group& g) { return g.gr_gid; });
    if (!id) return Err{fmt::format("No such {}: '{}'", is_user ? "user" : "group", *s)};
    return *id;
}

Checked<std::int64_t> user_id(const SettingValue& value) {
    return account_id(value, true);
}
Checked<std::int64_t> group_id(const SettingValue& value) {
    return account_id(value, false);
}

// The working directory as gunicorn's util.getcwd() reports it: $PWD when it is the same
// directory (keeping the user's symlinked spelling), else the real path.
std::string working_directory(const Environment& environment) {
    std::error_code ignored;
    std::string cwd = std::filesystem::current_path(ignored).string();
    auto pwd = environment.find("PWD");
    if (pwd != environment.end() && std::filesystem::equivalent(pwd->second, cwd, ignored))
        return pwd->second;
    return cwd;
}

// os.path.normpath of an absolute path: "." and empty parts dropped, ".." folded.
std::string normalized(std::string_view path) {
    std::vector<std::string> parts;
    for (const std::string& part : split(path, '/')) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    // POSIX keeps exactly two leading slashes; one or three and more become one.
    std::string out = path.starts_with("//") && !path.starts_with("///") ? "//" : "/";
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i ? "/" : "") + parts[i];
    return out;
}

// validate_chdir: made absolute against the working directory; it must exist.
SetResult assign_chdir(WsgiSettings& settings, const SettingValue& value) {
    auto dir = text(value);
    if (!dir) return Err{dir.error()};
    std::string joined =
        dir->starts_with('/') ? *dir : working_directory(settings.environment) + "/" + *dir;
    std::string path = normalized(joined);
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) return Err{"can't chdir to " + python_repr(*dir)};
    settings.chdir = path;
    return std::monostate{};
}

// ---------------------------------------------------------------------------------------------
// Storing and showing typed fields.

template <class Field, class Value>
SetResult store_into(Field& field, Checked<Value> checked) {
    if (!checked) return Err{checked.error()};
    field = std::move(checked).value();
    return std::monostate{};
}

// Validates with Validate, then stores into the member Field.
template <auto Field, auto Validate>
SetResult assign(WsgiSettings& settings, const SettingValue& value) {
    return store_into(settings.*Field, Validate(value));
}

std::string text_of(std::int64_t n) {
    return std::to_string(n);
}
std::string text_of(bool b) {
    return b ? "True" : "False";
}
std::string text_of(const std::string& s) {
    return s;
}
std::string text_of(const std::optional<std::string>& s) {
    return s ? *s : "None";
}
std::string text_of(const std::optional<bool>& b) {
    return b ? text_of(*b) : "None";
}
std::string text_of(const std::vector<std::string>& list) {
    return list_repr(list);
}
std::string text_of(const StringPairs& pairs) {
    return dict_repr(pairs);
}
std::string text_of(const SettingValue& value) {
    return python_str(value);
}
std::string text_of(const Hook& h) {
    return "<" + h.qualname + "()>";
}
std::string text_of(const std::optional<HostPort>& hp) {
    return hp ? fmt::format("({}, {})", python_repr(hp->host), hp->port) : "None";
}

// str() of the member Field, as --print-config shows it.
template <auto Field>
std::string show(const WsgiSettings& settings) {
    return text_of(settings.*Field);
}

// ---------------------------------------------------------------------------------------------
// Defaults.

constexpr SettingDefault default_none() {
    return {};
}
constexpr SettingDefault default_bool(bool b) {
    return {SettingDefault::Kind::boolean, b ? 1 : 0, {}, nullptr};
}
constexpr SettingDefault default_int(std::int64_t n) {
    return {SettingDefault::Kind::integer, n, {}, nullptr};
}
constexpr SettingDefault default_text(std::string_view s) {
    return {SettingDefault::Kind::text, 0, s, nullptr};
}
constexpr SettingDefault default_empty_list() {
    return {SettingDefault::Kind::empty_list, 0, {}, nullptr};
}
constexpr SettingDefault default_hook(std::string_view qualname) {
    return {SettingDefault::Kind::hook, 0, qualname, nullptr};
}
constexpr SettingDefault default_from(SettingValue (*compute)(const Environment&)) {
    return {SettingDefault::Kind::computed, 0, {}, compute};
}

std::optional<std::string> lookup(const Environment& environment, std::string_view key) {
    auto it = environment.find(key);
    if (it == environment.end()) return std::nullopt;
    return it->second;
}

// int($WEB_CONCURRENCY), else 1 (the raw text when it is no int: defaults() refuses it).
SettingValue default_workers(const Environment& environment) {
    auto concurrency = lookup(environment, "WEB_CONCURRENCY");
    if (!concurrency) return std::int64_t{1};
    auto n = python_int(*concurrency, 10);
    if (!n) return *concurrency;
    return *n;
}

SettingValue default_bind(const Environment& environment) {
    auto port = lookup(environment, "PORT");
    return std::vector<std::string>{port ? "0.0.0.0:" + *port : "127.0.0.1:8000"};
}

SettingValue default_forwarded_allow_ips(const Environment& environment) {
    return lookup(environment, "FORWARDED_ALLOW_IPS").value_or("127.0.0.1");
}

SettingValue default_chdir(const Environment& environment) {
    return working_directory(environment);
}

SettingValue default_user(const Environment&) {
    return static_cast<std::int64_t>(geteuid());
}
SettingValue default_group(const Environment&) {
    return static_cast<std::int64_t>(getegid());
}

SettingValue default_secure_scheme_headers(const Environment&) {
    return StringPairs{
        {"X-FORWARDED-PROTOCOL", "ssl"}, {"X-FORWARDED-PROTO", "https"}, {"X-FORWARDED-SSL", "on"}};
}

SettingValue default_logconfig_dict(const Environment&) {
    return StringPairs{};
}

SettingValue default_python_home(const Environment& environment) {
    auto home = lookup(environment, "VIRTUAL_ENV");
    return home ? SettingValue{*home} : SettingValue{};
}

SettingValue default_root_path(const Environment& environment) {
    return lookup(environment, "SCRIPT_NAME").value_or("");
}

// ---------------------------------------------------------------------------------------------
// How each setting appears on the command line.

using Flags = std::array<std::string_view, 2>;

constexpr Flags flags(std::string_view first, std::string_view second = {}) {
    return {first, second};
}
constexpr CliSpec config_file_only() {
    return {};
}
constexpr CliSpec store(Flags f, std::string_view metavar, CliType type = CliType::text) {
    return {f, metavar, CliAction::store, type};
}
constexpr CliSpec append(Flags f, std::string_view metavar) {
    return {f, metavar, CliAction::append, CliType::text};
}
constexpr CliSpec store_true(Flags f) {
    return {f, {}, CliAction::store_true, CliType::text};
}
constexpr CliSpec store_false(Flags f) {
    return {f, {}, CliAction::store_false, CliType::text};
}

// ---------------------------------------------------------------------------------------------
// The table: gunicorn 20.1's settings in the order its --help lists them, then strata's own.

using W = WsgiSettings;
using T = CliType;

constexpr SettingSpec kSettings[] = {
    {"config", "Config File", store(flags("-c", "--config"), "CONFIG"), "The Gunicorn config file.",
     default_text("./gunicorn.conf.py"), assign<&W::config, text>, show<&W::config>},
    {"wsgi_app", "Config File", config_file_only(),
     "A WSGI application path in pattern ``$(MODULE_NAME):$(VARIABLE_NAME)``.", default_none(),
     assign<&W::wsgi_app, optional_text>, show<&W::wsgi_app>},
    {"bind", "Server Socket", append(flags("-b", "--bind"), "ADDRESS"), "The socket to bind.",
     default_from(default_bind), assign<&W::bind, text_list>, show<&W::bind>},
    {"backlog", "Server Socket", store(flags("--backlog"), "INT", T::integer),
     "The maximum number of pending connections.", default_int(2048),
     assign<&W::backlog, positive_int>, show<&W::backlog>},
    {"workers", "Worker Processes", store(flags("-w", "--workers"), "INT", T::integer),
     "The number of worker processes for handling requests.", default_from(default_workers),
     assign<&W::workers, positive_int>, show<&W::workers>},
    {"worker_class", "Worker Processes", store(flags("-k", "--worker-class"), "STRING"),
     "The type of workers to use.", default_text("sync"), assign<&W::worker_class, worker_class>,
     show<&W::worker_class>},
    {"threads", "Worker Processes", store(flags("--threads"), "INT", T::integer),
     "The number of worker threads for handling requests.", default_int(1),
     assign<&W::threads, positive_int>, show<&W::threads>},
    {"worker_connections", "Worker Processes",
     store(flags("--worker-connections"), "INT", T::integer),
     "The maximum number of simultaneous clients.", default_int(1000),
     assign<&W::worker_connections, positive_int>, show<&W::worker_connections>},
    {"max_requests", "Worker Processes", store(flags("--max-requests"), "INT", T::integer),
     "The maximum number of requests a worker will process before restarting.", default_int(0),
     assign<&W::max_requests, positive_int>, show<&W::max_requests>},
    {"max_requests_jitter", "Worker Processes",
     store(flags("--max-requests-jitter"), "INT", T::integer),
     "The maximum jitter to add to the *max_requests* setting.", default_int(0),
     assign<&W::max_requests_jitter, positive_int>, show<&W::max_requests_jitter>},
    {"timeout", "Worker Processes", store(flags("-t", "--timeout"), "INT", T::integer),
     "Workers silent for more than this many seconds are killed and restarted.", default_int(30),
     assign<&W::timeout, positive_int>, show<&W::timeout>},
    {"graceful_timeout", "Worker Processes", store(flags("--graceful-timeout"), "INT", T::integer),
     "Timeout for graceful workers restart.", default_int(30),
     assign<&W::graceful_timeout, positive_int>, show<&W::graceful_timeout>},
    {"keepalive", "Worker Processes", store(flags("--keep-alive"), "INT", T::integer),
     "The number of seconds to wait for requests on a Keep-Alive connection.", default_int(2),
     assign<&W::keepalive, positive_int>, show<&W::keepalive>},
    {"limit_request_line", "Security", store(flags("--limit-request-line"), "INT", T::integer),
     "The maximum size of HTTP request line in bytes.", default_int(4094),
     assign<&W::limit_request_line, positive_int>, show<&W::limit_request_line>},
    {"limit_request_fields", "Security", store(flags("--limit-request-fields"), "INT", T::integer),
     "Limit the number of HTTP headers fields in a request.", default_int(100),
     assign<&W::limit_request_fields, positive_int>, show<&W::limit_request_fields>},
    {"limit_request_field_size", "Security",
     store(flags("--limit-request-field_size"), "INT", T::integer),
     "Limit the allowed size of an HTTP request header field.", default_int(8190),
     assign<&W::limit_request_field_size, positive_int>, show<&W::limit_request_field_size>},
    {"reload", "Debugging", store_true(flags("--reload")), "Restart workers when code changes.",
     default_bool(false), assign<&W::reload, flag>, show<&W::reload>},
    {"reload_engine", "Debugging", store(flags("--reload-engine"), "STRING"),
     "The implementation that should be used to power :ref:`reload`.", default_text("auto"),
     assign<&W::reload_engine, reload_engine>, show<&W::reload_engine>},
    {"reload_extra_files", "Debugging", append(flags("--reload-extra-file"), "FILES"),
     "Extends :ref:`reload` option to also watch and reload on additional files",
     default_empty_list(), assign<&W::reload_extra_files, existing_files>,
     show<&W::reload_extra_files>},
    {"spew", "Debugging", store_true(flags("--spew")),
     "Install a trace function that spews every line executed by the server.", default_bool(false),
     assign<&W::spew, flag>, show<&W::spew>},
    {"check_config", "Debugging", store_true(flags("--check-config")),
     "Check the configuration and exit. The exit status is 0 if the", default_bool(false),
     assign<&W::check_config, flag>, show<&W::check_config>},
    {"print_config", "Debugging", store_true(flags("--print-config")),
     "Print the configuration settings as fully resolved. Implies :ref:`check-config`.",
     default_bool(false), assign<&W::print_config, flag>, show<&W::print_config>},
    {"preload_app", "Server Mechanics", store_true(flags("--preload")),
     "Load application code before the worker processes are forked.", default_bool(false),
     assign<&W::preload_app, flag>, show<&W::preload_app>},
    {"sendfile", "Server Mechanics", store_false(flags("--no-sendfile")),
     "Disables the use of ``sendfile()``.", default_none(), assign<&W::sendfile, optional_flag>,
     show<&W::sendfile>},
    {"reuse_port", "Server Mechanics", store_true(flags("--reuse-port")),
     "Set the ``SO_REUSEPORT`` flag on the listening socket.", default_bool(false),
     assign<&W::reuse_port, flag>, show<&W::reuse_port>},
    {"chdir", "Server Mechanics", store(flags("--chdir"), ""),
     "Change directory to specified directory before loading apps.", default_from(default_chdir),
     assign_chdir, show<&W::chdir>},
    {"daemon", "Server Mechanics", store_true(flags("-D", "--daemon")),
     "Daemonize the Gunicorn process.", default_bool(false), assign<&W::daemon, flag>,
     show<&W::daemon>},
    {"raw_env", "Server Mechanics", append(flags("-e", "--env"), "ENV"),
     "Set environment variables in the execution environment.", default_empty_list(),
     assign<&W::raw_env, text_list>, show<&W::raw_env>},
    {"pidfile", "Server Mechanics", store(flags("-p", "--pid"), "FILE"),
     "A filename to use for the PID file.", default_none(), assign<&W::pidfile, optional_text>,
     show<&W::pidfile>},
    {"worker_tmp_dir", "Server Mechanics", store(flags("--worker-tmp-dir"), "DIR"),
     "A directory to use for the worker heartbeat temporary file.", default_none(),
     assign<&W::worker_tmp_dir, optional_text>, show<&W::worker_tmp_dir>},
    {"user", "Server Mechanics", store(flags("-u", "--user"), "USER"),
     "Switch worker processes to run as this user.", default_from(default_user),
     assign<&W::user, user_id>, show<&W::user>},
    {"group", "Server Mechanics", store(flags("-g", "--group"), "GROUP"),
     "Switch worker process to run as this group.", default_from(default_group),
     assign<&W::group, group_id>, show<&W::group>},
    {"umask", "Server Mechanics", store(flags("-m", "--umask"), "INT", T::auto_integer),
     "A bit mask for the file mode on files written by Gunicorn.", default_int(0),
     assign<&W::umask, positive_int>, show<&W::umask>},
    {"initgroups", "Server Mechanics", store_true(flags("--initgroups")),
     "If true, set the worker process's group access list with all of the", default_bool(false),
     assign<&W::initgroups, flag>, show<&W::initgroups>},
    {"tmp_upload_dir", "Server Mechanics", config_file_only(),
     "Directory to store temporary request data as they are read.", default_none(),
     assign<&W::tmp_upload_dir, optional_text>, show<&W::tmp_upload_dir>},
    {"secure_scheme_headers", "Server Mechanics", config_file_only(),
     "A dictionary containing headers and values that the front-end proxy",
     default_from(default_secure_scheme_headers), assign<&W::secure_scheme_headers, string_pairs>,
     show<&W::secure_scheme_headers>},
    {"forwarded_allow_ips", "Server Mechanics", store(flags("--forwarded-allow-ips"), "STRING"),
     "Front-end's IPs from which allowed to handle set secure headers.",
     default_from(default_forwarded_allow_ips), assign<&W::forwarded_allow_ips, comma_list>,
     show<&W::forwarded_allow_ips>},
    {"accesslog", "Logging", store(flags("--access-logfile"), "FILE"),
     "The Access log file to write to.", default_none(), assign<&W::accesslog, optional_text>,
     show<&W::accesslog>},
    {"disable_redirect_access_to_syslog", "Logging",
     store_true(flags("--disable-redirect-access-to-syslog")),
     "Disable redirect access logs to syslog.", default_bool(false),
     assign<&W::disable_redirect_access_to_syslog, flag>,
     show<&W::disable_redirect_access_to_syslog>},
    {"access_log_format", "Logging", store(flags("--access-logformat"), "STRING"),
     "The access log format.",
     default_text(R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")"),
     assign<&W::access_log_format, text>, show<&W::access_log_format>},
    {"errorlog", "Logging", store(flags("--error-logfile", "--log-file"), "FILE"),
     "The Error log file to write to.", default_text("-"), assign<&W::errorlog, text>,
     show<&W::errorlog>},
    {"loglevel", "Logging", store(flags("--log-level"), "LEVEL"),
     "The granularity of Error log outputs.", default_text("info"), assign<&W::loglevel, text>,
     show<&W::loglevel>},
    {"capture_output", "Logging", store_true(flags("--capture-output")),
     "Redirect stdout/stderr to specified file in :ref:`errorlog`.", default_bool(false),
     assign<&W::capture_output, flag>, show<&W::capture_output>},
    {"logger_class", "Logging", store(flags("--logger-class"), "STRING"),
     "The logger you want to use to log events in Gunicorn.",
     default_text("gunicorn.glogging.Logger"), assign<&W::logger_class, class_name>,
     show<&W::logger_class>},
    {"logconfig", "Logging", store(flags("--log-config"), "FILE"), "The log config file to use.",
     default_none(), assign<&W::logconfig, optional_text>, show<&W::logconfig>},
    {"logconfig_dict", "Logging", config_file_only(),
     "The log config dictionary to use, using the standard Python",
     default_from(default_logconfig_dict), assign<&W::logconfig_dict, python_dict>,
     show<&W::logconfig_dict>},
    {"syslog_addr", "Logging", store(flags("--log-syslog-to"), "SYSLOG_ADDR"),
     "Address to send syslog messages.", default_text("udp://localhost:514"),
     assign<&W::syslog_addr, text>, show<&W::syslog_addr>},
    {"syslog", "Logging", store_true(flags("--log-syslog")), "Send *Gunicorn* logs to syslog.",
     default_bool(false), assign<&W::syslog, flag>, show<&W::syslog>},
    {"syslog_prefix", "Logging", store(flags("--log-syslog-prefix"), "SYSLOG_PREFIX"),
     "Makes Gunicorn use the parameter as program-name in the syslog entries.", default_none(),
     assign<&W::syslog_prefix, optional_text>, show<&W::syslog_prefix>},
    {"syslog_facility", "Logging", store(flags("--log-syslog-facility"), "SYSLOG_FACILITY"),
     "Syslog facility name", default_text("user"), assign<&W::syslog_facility, text>,
     show<&W::syslog_facility>},
    {"enable_stdio_inheritance", "Logging", store_true(flags("-R", "--enable-stdio-inheritance")),
     "Enable stdio inheritance.", default_bool(false), assign<&W::enable_stdio_inheritance, flag>,
     show<&W::enable_stdio_inheritance>},
    {"statsd_host", "Logging", store(flags("--statsd-host"), "STATSD_ADDR"),
     "``host:port`` of the statsd server to log to.", default_none(),
     assign<&W::statsd_host, host_port>, show<&W::statsd_host>},
    {"dogstatsd_tags", "Logging", store(flags("--dogstatsd-tags"), "DOGSTATSD_TAGS"),
     "A comma-delimited list of datadog statsd (dogstatsd) tags to append to", default_text(""),
     assign<&W::dogstatsd_tags, text>, show<&W::dogstatsd_tags>},
    {"statsd_prefix", "Logging", store(flags("--statsd-prefix"), "STATSD_PREFIX"),
     "Prefix to use when emitting statsd metrics (a trailing ``.`` is added,", default_text(""),
     assign<&W::statsd_prefix, text>, show<&W::statsd_prefix>},
    {"proc_name", "Process Naming", store(flags("-n", "--name"), "STRING"),
     "A base to use with setproctitle for process naming.", default_none(),
     assign<&W::proc_name, optional_text>, show<&W::proc_name>},
    {"default_proc_name", "Process Naming", config_file_only(),
     "Internal setting that is adjusted for each type of application.", default_text("gunicorn"),
     assign<&W::default_proc_name, text>, show<&W::default_proc_name>},
    {"pythonpath", "Server Mechanics", store(flags("--pythonpath"), "STRING"),
     "A comma-separated list of directories to add to the Python path.", default_none(),
     assign<&W::pythonpath, optional_text>, show<&W::pythonpath>},
    {"paste", "Server Mechanics", store(flags("--paste", "--paster"), "STRING"),
     "Load a PasteDeploy config file. The argument may contain a ``#``", default_none(),
     assign<&W::paste, optional_text>, show<&W::paste>},
    {"on_starting", "Server Hooks", config_file_only(),
     "Called just before the master process is initialized.",
     default_hook("OnStarting.on_starting"), assign<&W::on_starting, hook>, show<&W::on_starting>},
    {"on_reload", "Server Hooks", config_file_only(),
     "Called to recycle workers during a reload via SIGHUP.", default_hook("OnReload.on_reload"),
     assign<&W::on_reload, hook>, show<&W::on_reload>},
    {"when_ready", "Server Hooks", config_file_only(), "Called just after the server is started.",
     default_hook("WhenReady.when_ready"), assign<&W::when_ready, hook>, show<&W::when_ready>},
    {"pre_fork", "Server Hooks", config_file_only(), "Called just before a worker is forked.",
     default_hook("Prefork.pre_fork"), assign<&W::pre_fork, hook>, show<&W::pre_fork>},
    {"post_fork", "Server Hooks", config_file_only(), "Called just after a worker has been forked.",
     default_hook("Postfork.post_fork"), assign<&W::post_fork, hook>, show<&W::post_fork>},
    {"post_worker_init", "Server Hooks", config_file_only(),
     "Called just after a worker has initialized the application.",
     default_hook("PostWorkerInit.post_worker_init"), assign<&W::post_worker_init, hook>,
     show<&W::post_worker_init>},
    {"worker_int", "Server Hooks", config_file_only(),
     "Called just after a worker exited on SIGINT or SIGQUIT.",
     default_hook("WorkerInt.worker_int"), assign<&W::worker_int, hook>, show<&W::worker_int>},
    {"worker_abort", "Server Hooks", config_file_only(),
     "Called when a worker received the SIGABRT signal.", default_hook("WorkerAbort.worker_abort"),
     assign<&W::worker_abort, hook>, show<&W::worker_abort>},
    {"pre_exec", "Server Hooks", config_file_only(),
     "Called just before a new master process is forked.", default_hook("PreExec.pre_exec"),
     assign<&W::pre_exec, hook>, show<&W::pre_exec>},
    {"pre_request", "Server Hooks", config_file_only(),
     "Called just before a worker processes the request.", default_hook("PreRequest.pre_request"),
     assign<&W::pre_request, hook>, show<&W::pre_request>},
    {"post_request", "Server Hooks", config_file_only(),
     "Called after a worker processes the request.", default_hook("PostRequest.post_request"),
     assign<&W::post_request, hook>, show<&W::post_request>},
    {"child_exit", "Server Hooks", config_file_only(),
     "Called just after a worker has been exited, in the master process.",
     default_hook("ChildExit.child_exit"), assign<&W::child_exit, hook>, show<&W::child_exit>},
    {"worker_exit", "Server Hooks", config_file_only(),
     "Called just after a worker has been exited, in the worker process.",
     default_hook("WorkerExit.worker_exit"), assign<&W::worker_exit, hook>, show<&W::worker_exit>},
    {"nworkers_changed", "Server Hooks", config_file_only(),
     "Called just after *num_workers* has been changed.",
     default_hook("NumWorkersChanged.nworkers_changed"), assign<&W::nworkers_changed, hook>,
     show<&W::nworkers_changed>},
    {"on_exit", "Server Hooks", config_file_only(), "Called just before exiting Gunicorn.",
     default_hook("OnExit.on_exit"), assign<&W::on_exit, hook>, show<&W::on_exit>},
    {"proxy_protocol", "Server Mechanics", store_true(flags("--proxy-protocol")),
     "Enable detect PROXY protocol (PROXY mode).", default_bool(false),
     assign<&W::proxy_protocol, flag>, show<&W::proxy_protocol>},
    {"proxy_allow_ips", "Server Mechanics", store(flags("--proxy-allow-from"), ""),
     "Front-end's IPs from which allowed accept proxy requests (comma separate).",
     default_text("127.0.0.1"), assign<&W::proxy_allow_ips, comma_list>, show<&W::proxy_allow_ips>},
    {"keyfile", "SSL", store(flags("--keyfile"), "FILE"), "SSL key file", default_none(),
     assign<&W::keyfile, optional_text>, show<&W::keyfile>},
    {"certfile", "SSL", store(flags("--certfile"), "FILE"), "SSL certificate file", default_none(),
     assign<&W::certfile, optional_text>, show<&W::certfile>},
    {"ssl_version", "SSL", store(flags("--ssl-version"), ""), "SSL version to use.", default_int(2),
     assign<&W::ssl_version, ssl_version>, show<&W::ssl_version>},
    {"cert_reqs", "SSL", store(flags("--cert-reqs"), ""),
     "Whether client certificate is required (see stdlib ssl module's)", default_int(0),
     assign<&W::cert_reqs, positive_int>, show<&W::cert_reqs>},
    {"ca_certs", "SSL", store(flags("--ca-certs"), "FILE"), "CA certificates file", default_none(),
     assign<&W::ca_certs, optional_text>, show<&W::ca_certs>},
    {"suppress_ragged_eofs", "SSL", store_true(flags("--suppress-ragged-eofs")),
     "Suppress ragged EOFs (see stdlib ssl module's)", default_bool(true),
     assign<&W::suppress_ragged_eofs, flag>, show<&W::suppress_ragged_eofs>},
    {"do_handshake_on_connect", "SSL", store_true(flags("--do-handshake-on-connect")),
     "Whether to perform SSL handshake on socket connect (see stdlib ssl module's)",
     default_bool(false), assign<&W::do_handshake_on_connect, flag>,
     show<&W::do_handshake_on_connect>},
    {"ciphers", "SSL", store(flags("--ciphers"), ""),
     "SSL Cipher suite to use, in the format of an OpenSSL cipher list.", default_none(),
     assign<&W::ciphers, optional_text>, show<&W::ciphers>},
    {"raw_paste_global_conf", "Server Mechanics", append(flags("--paste-global"), "CONF"),
     "Set a PasteDeploy global config variable in ``key=value`` form.", default_empty_list(),
     assign<&W::raw_paste_global_conf, text_list>, show<&W::raw_paste_global_conf>},
    {"strip_header_spaces", "Server Mechanics", store_true(flags("--strip-header-spaces")),
     "Strip spaces present between the header name and the the ``:``.", default_bool(false),
     assign<&W::strip_header_spaces, flag>, show<&W::strip_header_spaces>},
    {"tolerate_dangerous_framing", "Server Mechanics",
     store_true(flags("--tolerate-dangerous-framing")),
     "Process requests with both Transfer-Encoding and Content-Length", default_bool(false),
     assign<&W::tolerate_dangerous_framing, flag>, show<&W::tolerate_dangerous_framing>},
    // strata's own: where the embedded interpreter finds its packages, and the WSGI
    // SCRIPT_NAME base gunicorn takes from the environment (see WsgiSettings::script_name).
    {"python_home", "Strata", store(flags("--python-home"), "PATH"),
     "The virtualenv (sys.prefix) the embedded Python interpreter uses.",
     default_from(default_python_home), assign<&W::python_home, optional_text>,
     show<&W::python_home>, true},
    {"root_path", "Strata", store(flags("--root-path"), "STRING"),
     "The WSGI SCRIPT_NAME under which the application is mounted.",
     default_from(default_root_path), assign<&W::root_path, text>, show<&W::root_path>, true},
};

// Splits HOST and PORT out of "host:port", "[v6]:port", "host" (port 8000) or "".
// netloc.split("tcp://")[1]: what follows the prefix, up to any repeat of it.
std::string without_tcp_prefix(const std::string& netloc) {
    size_t end = netloc.find("tcp://", 6);
    return netloc.substr(6, end == std::string::npos ? end : end - 6);
}

std::pair<std::string, std::string> host_and_port(const std::string& netloc) {
    if (netloc.find('[') != std::string::npos && netloc.find(']') != std::string::npos) {
        std::string before = netloc.substr(0, netloc.find(']'));
        std::string host = before.empty() ? before : before.substr(1);  // drops the '['

        size_t colon = netloc.find("]:");
        if (colon == std::string::npos) return {host, "8000"};
        size_t end = netloc.find("]:", colon + 2);
        return {host, netloc.substr(colon + 2, end == std::string::npos ? end : end - colon - 2)};
    }
    if (netloc.find(':') != std::string::npos) {
        std::vector<std::string> parts = split(netloc, ':');
        return {parts[0], parts[1]};
    }
    if (netloc.empty()) return {"0.0.0.0", "8000"};
    return {netloc, "8000"};
}

Result<Bind, std::string> parse_unix_bind(std::string_view text) {
    size_t at = text.rfind("unix:") + 5;
    if (text.substr(at).starts_with("//")) at += 2;
    Bind bind;
    bind.kind = Bind::Kind::unix_socket;
    bind.path = std::string(text.substr(at));
    return bind;
}

Result<Bind, std::string> parse_fd_bind(std::string_view text) {
    std::string digits(text.substr(5));
    auto fd = python_int(digits, 10);
    if (!fd) return Err{python_repr(digits) + " is not a valid file descriptor."};
    Bind bind;
    bind.kind = Bind::Kind::fd;
    bind.fd = *fd;
    return bind;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Environment environment_from(const char* const* envp) {
    Environment environment;
    for (; envp && *envp; ++envp) {
        std::string_view entry = *envp;
        size_t eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        environment.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return environment;
}

std::string python_repr(std::string_view text) {
    bool has_single = text.find('\'') != std::string_view::npos;
    bool has_double = text.find('"') != std::string_view::npos;
    char quote = has_single && !has_double ? '"' : '\'';
    std::string out(1, quote);
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == quote || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += c;  // printable ASCII, and UTF-8 passed through as Python shows it
        }
    }
    return out + quote;
}

std::string python_str(const SettingValue& value) {
    struct Str {
        std::string operator()(std::monostate) const { return "None"; }
        std::string operator()(bool b) const { return b ? "True" : "False"; }
        std::string operator()(std::int64_t n) const { return std::to_string(n); }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const std::vector<std::string>& v) const { return list_repr(v); }
        std::string operator()(const StringPairs& p) const { return dict_repr(p); }
        std::string operator()(const PythonObject& o) const { return o.repr; }
    };
    return std::visit(Str{}, value);
}

SettingValue SettingDefault::value(const Environment& environment) const {
    switch (kind) {
        case Kind::none:
            return {};
        case Kind::boolean:
            return number != 0;
        case Kind::integer:
            return number;
        case Kind::text:
            return std::string(text);
        case Kind::empty_list:
            return std::vector<std::string>{};
        case Kind::hook:
            return PythonObject{"function", fmt::format("<function {}>", text), std::string(text),
                                true};
        case Kind::computed:
            return compute(environment);
    }
    return {};
}

std::string SettingSpec::display_metavar() const {
    if (!cli.metavar.empty()) return std::string(cli.metavar);
    std::string upper(name);
    for (char& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return upper;
}

Result<SettingValue, std::string> SettingSpec::from_argument(std::string_view argument) const {
    if (cli.type == CliType::text) return SettingValue{std::string(argument)};
    auto n = cli.type == CliType::integer ? python_int(argument, 10) : auto_int(argument);
    if (!n) {
        std::string_view type_label = cli.type == CliType::integer ? "int" : "auto_int";
        return Err{fmt::format("invalid {} value: {}", type_label, python_repr(argument))};
    }
    return SettingValue{*n};
}

std::string SettingSpec::help_line(const Environment& environment) const {
    return fmt::format("{} [{}]", help, python_str(initial.value(environment)));
}

std::span<const SettingSpec> setting_specs() {
    return kSettings;
}

const SettingSpec* find_setting(std::string_view name) {
    for (const SettingSpec& spec : kSettings)
        if (spec.name == name) return &spec;
    return nullptr;
}

Result<Bind, std::string> parse_bind(std::string_view text) {
    if (text.starts_with("unix:")) return parse_unix_bind(text);
    if (text.starts_with("fd://")) return parse_fd_bind(text);
    std::string netloc(text);
    if (text.starts_with("tcp://")) netloc = without_tcp_prefix(netloc);
    auto [host, port_text] = host_and_port(netloc);
    auto port = python_int(port_text, 10);
    if (!port) return Err{python_repr(port_text) + " is not a valid port number."};
    // gunicorn leaves this to socket.bind(), which fails with Python's words for it.
    if (*port < 0 || *port > 65535) return Err{std::string("bind(): port must be 0-65535.")};
    Bind bind;
    bind.host = lower(host);
    bind.port = *port;
    return bind;
}

// ---------------------------------------------------------------------------------------------

Result<WsgiSettings, std::string> WsgiSettings::defaults(const Environment& environment) {
    if (auto concurrency = lookup(environment, "WEB_CONCURRENCY")) {
        auto n = python_int(*concurrency, 10);
        if (!n) return Err{"WEB_CONCURRENCY: " + n.error()};
    }
    WsgiSettings settings;
    settings.environment = environment;
    for (const SettingSpec& spec : kSettings) {
        // gunicorn only validates defaults that are not None; None ones stay None.
        if (spec.initial.kind == SettingDefault::Kind::none) continue;
        auto stored = spec.assign(settings, spec.initial.value(environment));
        if (!stored) return Err{fmt::format("{}: {}", spec.name, stored.error())};
    }
    return settings;
}

SetResult WsgiSettings::set(std::string_view name, const SettingValue& value) {
    const SettingSpec* spec = find_setting(name);
    if (!spec) return Err{"No configuration setting for: " + std::string(name)};
    return store(*spec, value);
}

SetResult WsgiSettings::set_from_config_file(std::string_view name, const SettingValue& value) {
    const SettingSpec* spec = find_setting(name);
    if (!spec) return std::monostate{};  // any other module-level name is the file's own
    auto stored = store(*spec, value);
    if (!stored)
        return Err{fmt::format("Invalid value for {}: {}\n\n\nError: {}\n", name, python_str(value),
                               stored.error())};
    return stored;
}

SetResult WsgiSettings::store(const SettingSpec& spec, const SettingValue& value) {
    auto stored = spec.assign(*this, value);
    if (stored && !was_set(spec.name)) assigned_.push_back(spec.name);
    return stored;
}

bool WsgiSettings::was_set(std::string_view name) const {
    return std::find(assigned_.begin(), assigned_.end(), name) != assigned_.end();
}

std::string print_config(const WsgiSettings& settings) {
    std::vector<std::pair<std::string_view, std::string>> lines;
    size_t width = 0;
    for (const SettingSpec& spec : kSettings) {
        lines.emplace_back(spec.name, spec.show(settings));
        width = std::max(width, spec.name.size());
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& [name, value] : lines)
        out += fmt::format("{:<{}} = {}\n", name, width, value);
    return out;
}

Result<std::vector<Bind>, std::string> WsgiSettings::addresses() const {
    std::vector<Bind> binds;
    for (const std::string& text : bind) {
        auto parsed = parse_bind(text);
        if (!parsed) return Err{parsed.error()};
        binds.push_back(std::move(parsed).value());
    }
    return binds;
}

Result<StringPairs, std::string> WsgiSettings::env() const {
    StringPairs pairs;
    for (const std::string& entry : raw_env) {
        size_t eq = entry.find('=');
        if (eq == std::string::npos)
            return Err{fmt::format("environment setting {} invalid", python_repr(entry))};
        pairs.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
    }
    return pairs;
}

WorkerKind WsgiSettings::worker_kind() const {
    // gunicorn's rule: a sync worker asked for more than one thread runs as gthread.
    bool is_sync = worker_class == "sync" || worker_class.ends_with("SyncWorker");
    if (is_sync) return threads > 1 ? WorkerKind::gthread : WorkerKind::sync;
    bool is_gthread = worker_class.ends_with("gthread") || worker_class.ends_with("ThreadWorker");
    return is_gthread ? WorkerKind::gthread : WorkerKind::sync;  // egg:gunicorn#sync keeps sync
}

std::string WsgiSettings::effective_proc_name() const {
    return proc_name.value_or(default_proc_name);
}

std::string_view WsgiSettings::effective_loglevel() const {
    static constexpr std::string_view kLevels[] = {"critical", "error", "warning", "info", "debug"};
    std::string level = lower(loglevel);
    for (std::string_view known : kLevels)
        if (level == known) return known;
    return "info";  // gunicorn falls back silently
}

bool WsgiSettings::sendfile_enabled() const {
    if (sendfile.has_value()) return false;  // gunicorn: any value set means "disabled"
    auto env_value = lookup(environment, "SENDFILE");
    if (!env_value) return true;
    std::string v = lower(*env_value);
    return v == "y" || v == "1" || v == "yes" || v == "true";
}

std::vector<std::string> WsgiSettings::python_paths() const {
    if (!pythonpath || pythonpath->empty()) return {};
    return split(*pythonpath, ',');
}

// gunicorn 20.1 has no root-path setting: each request's SCRIPT_NAME starts from
// os.environ["SCRIPT_NAME"] (gunicorn.http.wsgi), which raw_env's SCRIPT_NAME=… updates at
// start-up, and a SCRIPT_NAME request header may replace it per request. --root-path defaults
// to $SCRIPT_NAME; given explicitly it wins, else a raw_env SCRIPT_NAME does, as in gunicorn.
std::string WsgiSettings::script_name() const {
    if (was_set("root_path")) return root_path;
    std::optional<std::string> from_raw_env;
    if (auto pairs = env())
        for (const auto& [key, value] : *pairs)
            if (key == "SCRIPT_NAME") from_raw_env = value;
    return from_raw_env.value_or(root_path);
}

std::int64_t WsgiSettings::effective_limit_request_line() const {
    if (limit_request_line < 0 || limit_request_line >= kMaxRequestLine) return kMaxRequestLine;
    return limit_request_line;
}

std::int64_t WsgiSettings::effective_limit_request_fields() const {
    if (limit_request_fields <= 0 || limit_request_fields > kMaxHeaders) return kMaxHeaders;
    return limit_request_fields;
}

std::int64_t WsgiSettings::effective_limit_request_field_size() const {
    return limit_request_field_size < 0 ? kDefaultMaxHeaderFieldSize : limit_request_field_size;
}

}  // namespace strata::python
