#include "strata/gateway/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

#include "strata/base/log.h"
#include "strata/http/request_head.h"

namespace strata::gateway {

// What a part prints. `l` is `dash`: both are the string "-".
// clang-format off
enum class AccessFormat::Atom : uint8_t {
    literal, dash,
    h, u, t, r, m, U, q, H, s, B, b, f, a, T, M, D, L, p,
    request_header,   // {name}i
    response_header,  // {name}o
    // {name}e, by the environ entry gunicorn would have made
    env_http,  // HTTP_<text>
    env_content_type, env_content_length, env_request_method, env_query_string, env_raw_uri,
    env_server_protocol, env_remote_addr, env_remote_port, env_server_name, env_server_port,
    env_path_info, env_script_name, env_url_scheme,
};
// clang-format on

namespace {

using Atom = AccessFormat::Atom;
using Part = AccessFormat::Part;
using Spec = AccessFormat::Spec;

// ---------------------------------------------------------------------------------------
// Compiling: Python's "%(key)flags width .precision length conversion", as CPython's
// PyUnicode_Format reads it, with a mapping as the argument.

struct OneLetter {
    char key;
    Atom atom;
};
constexpr OneLetter kOneLetterAtoms[] = {
    {'h', Atom::h}, {'l', Atom::dash}, {'u', Atom::u}, {'t', Atom::t}, {'r', Atom::r},
    {'s', Atom::s}, {'m', Atom::m},    {'U', Atom::U}, {'q', Atom::q}, {'H', Atom::H},
    {'b', Atom::b}, {'B', Atom::B},    {'f', Atom::f}, {'a', Atom::a}, {'T', Atom::T},
    {'D', Atom::D}, {'M', Atom::M},    {'L', Atom::L}, {'p', Atom::p}};

struct EnvName {
    std::string_view name;  // lowercased, as gunicorn's SafeAtoms looks it up
    Atom atom;
};
constexpr EnvName kEnvNames[] = {{"content_type", Atom::env_content_type},
                                 {"content_length", Atom::env_content_length},
                                 {"request_method", Atom::env_request_method},
                                 {"query_string", Atom::env_query_string},
                                 {"raw_uri", Atom::env_raw_uri},
                                 {"server_protocol", Atom::env_server_protocol},
                                 {"remote_addr", Atom::env_remote_addr},
                                 {"remote_port", Atom::env_remote_port},
                                 {"server_name", Atom::env_server_name},
                                 {"server_port", Atom::env_server_port},
                                 {"path_info", Atom::env_path_info},
                                 {"script_name", Atom::env_script_name},
                                 {"wsgi.url_scheme", Atom::env_url_scheme}};

constexpr int kMaxWidth = 1 << 16;  // CPython allows more; nobody needs it in a log line

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = http::ascii_lower(c);
    return out;
}

bool is_numeric_atom(Atom atom) {
    return atom == Atom::B || atom == Atom::T || atom == Atom::M || atom == Atom::D;
}

Part environ_part(std::string name) {
    for (const EnvName& entry : kEnvNames)
        if (entry.name == name) return {entry.atom, {}, {}};
    if (name.size() > 5 && name.starts_with("http_")) return {Atom::env_http, {}, name.substr(5)};
    return {Atom::dash, {}, {}};
}

// SafeAtoms.__getitem__: a key in braces is lowercased whole ("{Host}I" works); any other
// key must match exactly; a key that matches nothing prints "-".
Part resolve_key(std::string_view key) {
    if (key.starts_with('{')) {
        std::string lower = ascii_lower(key);
        if (lower.size() < 3 || lower[lower.size() - 2] != '}') return {Atom::dash, {}, {}};
        std::string name = lower.substr(1, lower.size() - 3);
        switch (lower.back()) {
            case 'i':
                return {Atom::request_header, {}, name};
            case 'o':
                return {Atom::response_header, {}, name};
            case 'e':
                return environ_part(name);
            default:
                return {Atom::dash, {}, {}};
        }
    }
    if (key.size() == 1)
        for (const OneLetter& entry : kOneLetterAtoms)
            if (entry.key == key[0]) return {entry.atom, {}, {}};
    return {Atom::dash, {}, {}};
}

// Where Python points in its messages: the character index, not the byte offset.
size_t char_index(std::string_view text, size_t byte) {
    size_t index = 0;
    for (size_t i = 0; i < byte; ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++index;
    return index;
}

uint32_t code_point_at(std::string_view text, size_t at) {
    auto byte = [&](size_t i) {
        return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
    };
    uint32_t lead = byte(at);
    if (lead < 0x80) return lead;
    if (lead < 0xE0) return (lead & 0x1F) << 6 | (byte(at + 1) & 0x3F);
    if (lead < 0xF0)
        return (lead & 0x0F) << 12 | (byte(at + 1) & 0x3F) << 6 | (byte(at + 2) & 0x3F);
    return (lead & 0x07) << 18 | (byte(at + 1) & 0x3F) << 12 | (byte(at + 2) & 0x3F) << 6 |
           (byte(at + 3) & 0x3F);
}

std::string unsupported_character(std::string_view format, size_t at) {
    uint32_t cp = code_point_at(format, at);
    char shown = cp >= 0x20 && cp < 0x7F ? static_cast<char>(cp) : '?';
    return fmt::format("unsupported format character '{}' (0x{:x}) at index {}", shown, cp,
                       char_index(format, at));
}

// The conversion letters CPython knows; strata renders s, d, i, u, x, X and o.
bool python_conversion(char c) {
    return c != 0 && std::string_view("sracdiuoxXeEfFgG").find(c) != std::string_view::npos;
}

class SpecParser {
  public:
    explicit SpecParser(std::string_view format) : format_(format) {}

    // Parses the conversion whose '%' is at `percent`. On success next() is past it.
    Result<Part, std::string> parse(size_t percent);
    size_t next() const { return pos_; }

  private:
    bool at_end() const { return pos_ >= format_.size(); }
    char peek() const { return format_[pos_]; }
    Result<std::string_view, std::string> key();
    void flags(Spec& spec);
    Result<int, std::string> number();
    Result<Part, std::string> conversion(std::string_view key, Spec spec);

    std::string_view format_;
    size_t pos_ = 0;
};

// "(key)" with nested parentheses counted, as CPython does.
Result<std::string_view, std::string> SpecParser::key() {
    size_t start = ++pos_;
    for (int depth = 1; !at_end(); ++pos_) {
        if (peek() == '(') ++depth;
        if (peek() == ')' && --depth == 0) return format_.substr(start, pos_++ - start);
    }
    return Err(std::string("incomplete format key"));
}

void SpecParser::flags(Spec& spec) {
    for (; !at_end(); ++pos_) {
        switch (peek()) {
            case '-':
                spec.left = true;
                break;
            case '0':
                spec.zero = true;
                break;
            case '#':
                spec.alternate = true;
                break;
            case '+':
                spec.sign = '+';
                break;
            case ' ':
                if (spec.sign != '+') spec.sign = ' ';
                break;
            default:
                return;
        }
    }
}

Result<int, std::string> SpecParser::number() {
    if (!at_end() && peek() == '*') return Err(std::string("* wants int"));
    int value = 0;
    for (; !at_end() && peek() >= '0' && peek() <= '9'; ++pos_) {
        value = value * 10 + (peek() - '0');
        if (value > kMaxWidth) return Err(std::string("width too big"));
    }
    return value;
}

Result<Part, std::string> SpecParser::parse(size_t percent) {
    pos_ = percent + 1;
    if (!at_end() && peek() == '%') {
        ++pos_;
        return Part{Atom::literal, {}, "%"};
    }
    std::string_view name;
    bool has_key = !at_end() && peek() == '(';
    if (has_key) {
        auto parsed = key();
        if (!parsed) return Err(parsed.error());
        name = parsed.value();
    }
    Spec spec;
    flags(spec);
    auto width = number();
    if (!width) return Err(width.error());
    spec.width = width.value();
    if (!at_end() && peek() == '.') {
        ++pos_;
        auto precision = number();
        if (!precision) return Err(precision.error());
        spec.precision = precision.value();
    }
    if (!at_end() && (peek() == 'h' || peek() == 'l' || peek() == 'L')) ++pos_;  // ignored
    if (at_end()) return Err(std::string("incomplete format"));
    if (!python_conversion(peek())) return Err(unsupported_character(format_, pos_));
    if (!has_key)
        return Err(
            fmt::format("a conversion without a (key) at index {} would print gunicorn's "
                        "whole atom dict: not supported",
                        char_index(format_, percent)));
    return conversion(name, spec);
}

Result<Part, std::string> SpecParser::conversion(std::string_view name, Spec spec) {
    char c = peek();
    Part part = resolve_key(name);
    bool decimal = c == 'd' || c == 'i' || c == 'u';
    bool integer = c == 'x' || c == 'X' || c == 'o';
    if (c != 's' && !decimal && !integer)
        return Err(fmt::format("conversion '{}' at index {} is not supported (use s or d)", c,
                               char_index(format_, pos_)));
    if ((decimal || integer) && !is_numeric_atom(part.atom))
        return Err(fmt::format("%{} format: {} is required, not str (key \"{}\")", c,
                               decimal ? "a real number" : "an integer", name));
    spec.conversion = c;
    part.spec = spec;
    ++pos_;
    return part;
}

// ---------------------------------------------------------------------------------------
// Rendering. Every value is evaluated into a small stack buffer when it is not already a
// view, then written as Python's %s / %d would write it.

// Room for a joined field or a request line; longer ones spill to the heap.
using Scratch = fmt::basic_memory_buffer<char, 1024>;

// A value as gunicorn holds it: a str (latin-1 bytes from the wire, or UTF-8 for the
// Basic-auth user) or an int.
struct Value {
    std::string_view text;
    bool utf8 = false;
    bool is_number = false;
    int64_t number = 0;
};

constexpr std::string_view kDash = "-";

Value text(std::string_view bytes) {
    return {bytes, false, false, 0};
}
Value number(int64_t n) {
    return {{}, false, true, n};
}
std::string_view view(const Scratch& scratch) {
    return {scratch.data(), scratch.size()};
}

void append_upper(std::string_view text, Scratch& out) {
    for (char c : text)
        out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
}

// gunicorn splits the request-target with urlsplit, which cuts the fragment first.
std::string_view path_of(const Request& request) {
    return request.path.substr(0, request.path.find('#'));
}
std::string_view query_of(const Request& request) {
    if (request.path.find('#') != std::string_view::npos) return {};
    return request.query.substr(0, request.query.find('#'));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// urllib.parse.unquote_to_bytes on the latin-1 str gunicorn made of the path: it is UTF-8
// encoded first, so a raw byte >= 0x80 comes out as two (and is encoded once more on
// output); "%XX" becomes its byte; a lone '%' stays.
void append_unquoted(std::string_view path, Scratch& out) {
    for (size_t i = 0; i < path.size(); ++i) {
        auto byte = static_cast<unsigned char>(path[i]);
        if (byte == '%' && i + 2 < path.size() && hex_value(path[i + 1]) >= 0 &&
            hex_value(path[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(path[i + 1]) << 4 | hex_value(path[i + 2])));
            i += 2;
        } else if (byte >= 0x80) {
            out.push_back(static_cast<char>(0xC0 | byte >> 6));
            out.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
        } else {
            out.push_back(static_cast<char>(byte));
        }
    }
}

// PATH_INFO: the path after the first occurrence of SCRIPT_NAME, percent-decoded.
Value path_info(const Request& request, Scratch& scratch) {
    std::string_view path = path_of(request);
    if (!request.script_name.empty()) {
        size_t at = path.find(request.script_name);
        if (at != std::string_view::npos) path.remove_prefix(at + request.script_name.size());
    }
    append_unquoted(path, scratch);
    return text(view(scratch));
}

Value request_line(const Request& request, Scratch& scratch) {
    append_upper(request.method, scratch);
    scratch.push_back(' ');
    scratch.append(request.target);
    scratch.push_back(' ');
    scratch.append(request.protocol);
    return text(view(scratch));
}

Value method(const Request& request, Scratch& scratch) {
    append_upper(request.method, scratch);
    return text(view(scratch));
}

// {name}i: gunicorn's atoms dict keeps the last of repeated fields.
Value request_header(const Request& request, std::string_view name) {
    std::string_view found;
    bool any = false;
    for (const http::Header& h : request.headers)
        if (http::iequals(h.name, name)) found = h.value, any = true;
    return any ? text(found) : text(kDash);
}

Value response_header(const AccessRecord& record, std::string_view name) {
    if (record.response_headers == nullptr || record.error_path) return text(kDash);
    const ResponseHeader* found = nullptr;
    for (const ResponseHeader& h : *record.response_headers)
        if (http::iequals(h.name, name)) found = &h;
    return found ? text(found->value) : text(kDash);
}

// Whether `header` becomes HTTP_<key> in gunicorn's environ: its name upper-cased with
// '-' as '_', except Content-Type and Content-Length, which go to CONTENT_*.
bool is_http_variable(std::string_view header, std::string_view key) {
    if (http::iequals(header, "content-type") || http::iequals(header, "content-length"))
        return false;
    if (header.size() != key.size()) return false;
    for (size_t i = 0; i < key.size(); ++i) {
        char c = header[i] == '-' ? '_' : http::ascii_lower(header[i]);
        if (c != key[i]) return false;
    }
    return true;
}

// HTTP_<key>: repeated fields joined with ",", as gunicorn's wsgi.create() does.
bool append_http_variable(const Request& request, std::string_view key, Scratch& out) {
    bool any = false;
    for (const http::Header& h : request.headers) {
        if (!is_http_variable(h.name, key)) continue;
        if (any) out.push_back(',');
        out.append(h.value);
        any = true;
    }
    return any;
}

// HTTP_<key> of gunicorn's environ; nullopt when absent (and always on the error path).
// The common case, one field, is a view; only repeats are joined into `scratch`.
std::optional<std::string_view> http_variable_of(const AccessRecord& record, std::string_view key,
                                                 Scratch& scratch) {
    if (record.error_path) return std::nullopt;
    const http::Header* first = nullptr;
    for (const http::Header& h : record.request.headers) {
        if (!is_http_variable(h.name, key)) continue;
        if (first != nullptr) {
            append_http_variable(record.request, key, scratch);
            return view(scratch);
        }
        first = &h;
    }
    if (first == nullptr) return std::nullopt;
    return first->value;
}

Value http_variable(const AccessRecord& record, std::string_view key, Scratch& scratch) {
    auto value = http_variable_of(record, key, scratch);
    return value ? text(*value) : text(kDash);
}

// ---- Basic auth: gunicorn's _get_user(), with Python's base64 and UTF-8 decoders.

int8_t base64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return static_cast<int8_t>(c - 'A');
    if (c >= 'a' && c <= 'z') return static_cast<int8_t>(c - 'a' + 26);
    if (c >= '0' && c <= '9') return static_cast<int8_t>(c - '0' + 52);
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// binascii.a2b_base64 in its default (non-strict) mode: characters outside the alphabet
// are skipped; enough '=' after two or three characters of a quad ends the input; a quad
// left unfinished is an error.
bool decode_base64(std::string_view in, Scratch& out) {
    int quad = 0;
    int pads = 0;
    unsigned left = 0;
    for (unsigned char c : in) {
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4) return true;
            continue;
        }
        int8_t v = base64_value(c);
        if (v < 0) continue;
        pads = 0;
        auto bits = static_cast<unsigned>(v);
        if (quad == 1) out.push_back(static_cast<char>(left << 2 | bits >> 4));
        if (quad == 2) out.push_back(static_cast<char>((left & 0x0F) << 4 | bits >> 2));
        if (quad == 3) out.push_back(static_cast<char>((left & 0x03) << 6 | bits));
        left = bits;
        quad = (quad + 1) % 4;
    }
    return quad == 0;
}

// Python's strict UTF-8 decoder: no overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view text) {
    size_t i = 0;
    auto cont = [&](size_t at, unsigned lo = 0x80, unsigned hi = 0xBF) {
        if (at >= text.size()) return false;
        auto b = static_cast<unsigned char>(text[at]);
        return b >= lo && b <= hi;
    };
    while (i < text.size()) {
        auto b = static_cast<unsigned char>(text[i]);
        size_t n = b < 0x80 ? 1 : b < 0xC2 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF5 ? 4 : 0;
        if (n == 0) return false;
        if (n >= 2) {
            unsigned lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
            unsigned hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
            if (!cont(i + 1, lo, hi)) return false;
            for (size_t k = 2; k < n; ++k)
                if (!cont(i + k)) return false;
        }
        i += n;
    }
    return true;
}

bool starts_with_basic(std::string_view value) {
    return value.size() >= 5 && http::iequals(value.substr(0, 5), "basic");
}

// The user of "Basic base64(user:password)" in HTTP_AUTHORIZATION (repeats joined with
// ","), or "-" when there is none, it does not decode, or it is empty.
Value basic_user(const AccessRecord& record, Scratch& scratch) {
    Scratch joined;
    auto header = http_variable_of(record, "authorization", joined);
    if (!header) return text(kDash);
    std::string_view value = *header;
    size_t space = value.find(' ');
    if (!starts_with_basic(value) || space == std::string_view::npos) return text(kDash);
    if (!decode_base64(value.substr(space + 1), scratch)) return text(kDash);
    std::string_view decoded = view(scratch);
    size_t colon = decoded.find(':');
    if (!valid_utf8(decoded) || colon == 0 || colon == std::string_view::npos) return text(kDash);
    return {decoded.substr(0, colon), true, false, 0};
}

// ---- Time: Apache's "[%d/%b/%Y:%H:%M:%S %z]" in local time, once per second per thread.

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct ClfTimeCache {
    std::time_t second = -1;
    char text[40] = {};
    size_t size = 0;
};
thread_local ClfTimeCache t_clf_time;

std::string_view clf_time(std::time_t when) {
    ClfTimeCache& cache = t_clf_time;
    if (cache.second == when) return {cache.text, cache.size};
    struct tm tm;
    localtime_r(&when, &tm);
    long offset = tm.tm_gmtoff;
    char sign = offset < 0 ? '-' : '+';
    offset = offset < 0 ? -offset : offset;
    auto end = fmt::format_to_n(cache.text, sizeof cache.text,
                                "[{:02}/{}/{:04}:{:02}:{:02}:{:02} {}{:02}{:02}]", tm.tm_mday,
                                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, sign, offset / 3600, offset % 3600 / 60);
    cache.second = when;
    cache.size = end.size;
    return {cache.text, cache.size};
}

// gunicorn stamps the line when it writes it: the end of the response.
Value log_time(const AccessRecord& record) {
    auto end = record.start +
               std::chrono::duration_cast<std::chrono::system_clock::duration>(record.duration);
    return text(clf_time(std::chrono::system_clock::to_time_t(end)));
}

// ---- Durations: a Python timedelta's .seconds and .microseconds (days dropped).

struct Elapsed {
    int64_t seconds;
    int64_t micros;
};

Elapsed elapsed(const AccessRecord& record) {
    int64_t us = std::max<int64_t>(record.duration.count(), 0);
    return {us / 1'000'000 % 86'400, us % 1'000'000};
}

Value milliseconds(Elapsed e) {
    return number(e.seconds * 1000 + e.micros / 1000);
}
Value microseconds(Elapsed e) {
    return number(e.seconds * 1'000'000 + e.micros);
}

Value decimal_seconds(const AccessRecord& record, Scratch& scratch) {
    Elapsed e = elapsed(record);
    fmt::format_to(std::back_inserter(scratch), "{}.{:06}", e.seconds, e.micros);
    return text(view(scratch));
}

Value digits(int64_t n, Scratch& scratch) {
    fmt::format_to(std::back_inserter(scratch), "{}", n);
    return text(view(scratch));
}

Value pid_atom(Scratch& scratch) {
    fmt::format_to(std::back_inserter(scratch), "<{}>", getpid());
    return text(view(scratch));
}

uint64_t bytes_sent(const AccessRecord& record) {
    return record.error_path ? 0 : record.body_bytes;
}

// ---- {name}e

Value remote_port(const AccessRecord& record, Scratch& scratch) {
    const Request& request = record.request;
    if (request.unix_socket) return text(record.error_path ? "-1" : kDash);
    return digits(request.remote_port, scratch);
}

// Entries the bare environ of gunicorn's error path lacks.
Value full_environ_only(const AccessRecord& record, std::string_view value) {
    return record.error_path ? text(kDash) : text(value);
}

Value last_request_header(const AccessRecord& record, std::string_view name) {
    return record.error_path ? text(kDash) : request_header(record.request, name);
}

Value environ_value(const Part& part, const AccessRecord& record, Scratch& scratch) {
    const Request& request = record.request;
    switch (part.atom) {
        case Atom::env_http:
            return http_variable(record, part.text, scratch);
        case Atom::env_content_type:
            return last_request_header(record, "content-type");
        case Atom::env_content_length:
            return last_request_header(record, "content-length");
        case Atom::env_request_method:
            return method(request, scratch);
        case Atom::env_query_string:
            return text(query_of(request));
        case Atom::env_raw_uri:
            return text(request.target);
        case Atom::env_server_protocol:
            return text(request.protocol);
        case Atom::env_remote_addr:
            return text(request.remote_addr);
        case Atom::env_remote_port:
            return remote_port(record, scratch);
        case Atom::env_server_name:
            return full_environ_only(record, request.server_name);
        case Atom::env_server_port:
            return full_environ_only(record, request.server_port);
        case Atom::env_script_name:
            return full_environ_only(record, request.script_name);
        case Atom::env_url_scheme:
            return full_environ_only(record, request.url_scheme);
        case Atom::env_path_info:
            return record.error_path ? text(kDash) : path_info(request, scratch);
        default:
            return text(kDash);
    }
}

Value evaluate(const Part& part, const AccessRecord& record, Scratch& scratch) {
    const Request& request = record.request;
    switch (part.atom) {
        case Atom::literal:
            return text(part.text);
        case Atom::dash:
            return text(kDash);
        case Atom::h:
            return text(request.remote_addr);
        case Atom::u:
            return basic_user(record, scratch);
        case Atom::t:
            return log_time(record);
        case Atom::r:
            return request_line(request, scratch);
        case Atom::m:
            return method(request, scratch);
        case Atom::U:
            return record.error_path ? text("None") : path_info(request, scratch);
        case Atom::q:
            return text(query_of(request));
        case Atom::H:
            return text(request.protocol);
        case Atom::s:
            return digits(record.status, scratch);
        case Atom::B:
            return number(static_cast<int64_t>(bytes_sent(record)));
        case Atom::b:
            return digits(static_cast<int64_t>(bytes_sent(record)), scratch);
        case Atom::f:
            return http_variable(record, "referer", scratch);
        case Atom::a:
            return http_variable(record, "user_agent", scratch);
        case Atom::T:
            return number(elapsed(record).seconds);
        case Atom::M:
            return milliseconds(elapsed(record));
        case Atom::D:
            return microseconds(elapsed(record));
        case Atom::L:
            return decimal_seconds(record, scratch);
        case Atom::p:
            return pid_atom(scratch);
        case Atom::request_header:
            return request_header(request, part.text);
        case Atom::response_header:
            return response_header(record, part.text);
        default:
            return environ_value(part, record, scratch);
    }
}

// ---- Writing a value as Python's %-formatting would, after SafeAtoms escaped '"'.

bool continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// Characters of the escaped str: each '"' became two.
size_t char_length(const Value& value) {
    size_t n = 0;
    for (char c : value.text) {
        auto byte = static_cast<unsigned char>(c);
        if (value.utf8 && continuation(byte)) continue;
        n += c == '"' ? 2 : 1;
    }
    return n;
}

void append_latin1(fmt::memory_buffer& out, unsigned char byte) {
    if (byte < 0x80) return out.push_back(static_cast<char>(byte));
    out.push_back(static_cast<char>(0xC0 | byte >> 6));
    out.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
}

// Writes the first `limit` characters of the escaped str, UTF-8 encoded.
void append_escaped(fmt::memory_buffer& out, const Value& value, size_t limit) {
    size_t written = 0;
    for (size_t i = 0; i < value.text.size(); ++i) {
        auto byte = static_cast<unsigned char>(value.text[i]);
        if (value.utf8 && continuation(byte)) {
            out.push_back(static_cast<char>(byte));  // the rest of a character already counted
            continue;
        }
        if (written == limit) return;
        if (byte == '"') {
            out.push_back('\\');
            if (++written == limit) return;
        }
        if (value.utf8)
            out.push_back(static_cast<char>(byte));
        else
            append_latin1(out, byte);
        ++written;
    }
}

void append_spaces(fmt::memory_buffer& out, size_t n) {
    for (; n > 0; --n)
        out.push_back(' ');
}

void append_text(fmt::memory_buffer& out, const Value& value, const Spec& spec) {
    if (spec.width == 0 && spec.precision < 0)
        return append_escaped(out, value, std::string_view::npos);
    size_t length = char_length(value);
    if (spec.precision >= 0) length = std::min(length, static_cast<size_t>(spec.precision));
    size_t width = static_cast<size_t>(spec.width);
    size_t pad = width > length ? width - length : 0;
    if (!spec.left) append_spaces(out, pad);
    append_escaped(out, value, length);
    if (spec.left) append_spaces(out, pad);
}

// %d %i %u %x %X %o with Python's flags: sign, "0x"/"0o" for '#', precision as leading
// zeros, '0' padding after the sign, '-' padding on the right.
void append_integer(fmt::memory_buffer& out, int64_t n, const Spec& spec) {
    uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    char buffer[32];
    char c = spec.conversion;
    auto end = c == 'x'   ? fmt::format_to(buffer, "{:x}", magnitude)
               : c == 'X' ? fmt::format_to(buffer, "{:X}", magnitude)
               : c == 'o' ? fmt::format_to(buffer, "{:o}", magnitude)
                          : fmt::format_to(buffer, "{}", magnitude);
    std::string_view number_digits(buffer, static_cast<size_t>(end - buffer));
    char sign = n < 0 ? '-' : spec.sign;
    std::string_view prefix;
    if (spec.alternate) prefix = c == 'x' ? "0x" : c == 'X' ? "0X" : c == 'o' ? "0o" : "";
    size_t precision = spec.precision > 0 ? static_cast<size_t>(spec.precision) : 0;
    size_t zeros = precision > number_digits.size() ? precision - number_digits.size() : 0;
    size_t length = (sign ? 1 : 0) + prefix.size() + zeros + number_digits.size();
    size_t width = static_cast<size_t>(spec.width);
    size_t pad = width > length ? width - length : 0;
    if (!spec.left && !spec.zero) append_spaces(out, pad);
    if (sign) out.push_back(sign);
    out.append(prefix);
    if (!spec.left && spec.zero) zeros += pad;
    for (; zeros > 0; --zeros)
        out.push_back('0');
    out.append(number_digits);
    if (spec.left) append_spaces(out, pad);
}

void append_value(fmt::memory_buffer& out, const Value& value, const Spec& spec) {
    if (!value.is_number) return append_text(out, value, spec);
    if (spec.conversion != 's') return append_integer(out, value.number, spec);
    char buffer[24];
    auto end = fmt::format_to(buffer, "{}", value.number);
    append_text(out, text({buffer, static_cast<size_t>(end - buffer)}), spec);
}

// ---------------------------------------------------------------------------------------
// The file.

// Python's class for an OSError of this errno (PEP 3151), as gunicorn's message shows it.
std::string_view python_error_class(int error) {
    switch (error) {
        case ENOENT:
            return "FileNotFoundError";
        case EACCES:
        case EPERM:
            return "PermissionError";
        case EISDIR:
            return "IsADirectoryError";
        case ENOTDIR:
            return "NotADirectoryError";
        case EEXIST:
            return "FileExistsError";
        case EINTR:
            return "InterruptedError";
        default:
            return "OSError";
    }
}

// util.check_is_writeable()'s words.
std::string not_writable(const std::string& path, int error) {
    return fmt::format("Error: '{}' isn't writable [{}({}, '{}')]", path, python_error_class(error),
                       error, std::strerror(error));
}

void write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full disk must not stop serving; gunicorn goes on too
        data += n;
        size -= static_cast<size_t>(n);
    }
}

int open_append(const std::string& path) {
    // 0666 less the umask, as Python's open(path, "a").
    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
}

}  // namespace

Result<AccessFormat, std::string> AccessFormat::compile(std::string_view format) {
    AccessFormat compiled;
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) compiled.parts_.push_back({Atom::literal, {}, std::move(literal)});
        literal.clear();
    };
    SpecParser parser(format);
    for (size_t i = 0; i < format.size();) {
        if (format[i] != '%') {
            literal.push_back(format[i++]);
            continue;
        }
        auto part = parser.parse(i);
        if (!part) return Err(part.error());
        i = parser.next();
        if (part->atom == Atom::literal) {
            literal += part->text;
            continue;
        }
        flush();
        compiled.parts_.push_back(std::move(part.value()));
    }
    flush();
    return compiled;
}

void AccessFormat::render(const AccessRecord& record, fmt::memory_buffer& out) const {
    Scratch scratch;
    for (const Part& part : parts_) {
        if (part.atom == Atom::literal) {
            out.append(part.text);
            continue;
        }
        scratch.clear();
        append_value(out, evaluate(part, record, scratch), part.spec);
    }
}

std::string AccessFormat::render(const AccessRecord& record) const {
    fmt::memory_buffer out;
    render(record, out);
    return fmt::to_string(out);
}

AccessLog::AccessLog(std::string_view format, std::string target) : target_(std::move(target)) {
    if (target_.empty()) return;
    auto compiled = AccessFormat::compile(format);
    if (!compiled) {
        error_ = fmt::format("Error: access_log_format: {}", compiled.error());
        return;
    }
    format_ = std::move(compiled.value());
    if (target_ == "-") {
        fd_ = 1;
        enabled_ = true;
        return;
    }
    fd_ = open_append(target_);
    if (fd_ < 0) {
        error_ = not_writable(target_, errno);
        return;
    }
    enabled_ = owns_fd_ = true;
}

AccessLog::~AccessLog() {
    if (owns_fd_) ::close(fd_);
}

bool AccessLog::enabled() const {
    return enabled_;
}

void AccessLog::log(const AccessRecord& record) {
    if (!enabled_) return;
    fmt::memory_buffer line;
    format_.render(record, line);
    line.push_back('\n');
    std::lock_guard lock(mutex_);
    write_all(fd_, line.data(), line.size());
}

void AccessLog::reopen() {
    if (!owns_fd_) return;  // stdout, or nothing open
    int fd = open_append(target_);
    if (fd < 0) {
        log::error("{}", not_writable(target_, errno));
        return;
    }
    std::lock_guard lock(mutex_);
    ::close(fd_);
    fd_ = fd;
}

}  // namespace strata::gateway
