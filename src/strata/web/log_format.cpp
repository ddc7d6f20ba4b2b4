#include "strata/web/log_format.h"

#include <time.h>

#include <cstdio>
#include <utility>

#include "strata/config/variables.h"
#include "strata/http/request_head.h"
#include "strata/web/request_context.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

constexpr std::pair<std::string_view, LogVariable> kLogVariables[] = {
    {"status", LogVariable::status},
    {"body_bytes_sent", LogVariable::body_bytes_sent},
    {"bytes_sent", LogVariable::bytes_sent},
    {"request_time", LogVariable::request_time},
    {"request_length", LogVariable::request_length},
    {"time_local", LogVariable::time_local},
    {"time_iso8601", LogVariable::time_iso8601},
    {"msec", LogVariable::msec},
    {"remote_user", LogVariable::remote_user},
    {"request", LogVariable::request_line},
    {"server_protocol", LogVariable::server_protocol},
};

LogPart part_of(const config::ValuePart& value) {
    if (value.kind == config::ValuePart::Kind::literal)
        return {LogVariable::request, true, value.text};
    if (value.kind == config::ValuePart::Kind::capture)
        return {LogVariable::request, false, std::to_string(value.capture)};
    for (const auto& [name, variable] : kLogVariables)
        if (name == value.text) return {variable, false, value.text};
    return {LogVariable::request, false, value.text};
}

std::string_view month_name(int month) {
    static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return kMonths[month];
}

// The local offset from UTC as sign, hours and minutes.
struct UtcOffset {
    char sign;
    long hours, minutes;
};

UtcOffset offset_of(const struct tm& tm) {
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    return {sign, off / 3600, (off % 3600) / 60};
}

struct tm local_time(std::time_t t) {
    struct tm tm {};
    localtime_r(&t, &tm);
    return tm;
}

// The request head as the client sent it, counted from its parsed parts: nginx counts
// the bytes it read, which differ only by optional whitespace.
uint64_t request_length(const RequestContext& ctx) {
    const http::RequestHead& head = ctx.exchange.request();
    uint64_t length = head.method.size() + 1 + head.target.size() + 2;
    if (head.version != http::Version::http09) length += 1 + http::to_string(head.version).size();
    if (ctx.target_refused) return length;
    for (const http::Header& h : head.headers)
        length += h.name.size() + 2 + h.value.size() + 2;
    return length + 2 + (ctx.body_refused ? 0 : ctx.exchange.body().size());
}

bool is_method_char(char c) {
    return (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

// nginx's $server_protocol of a request line it refused: "-" when the line ended or
// failed before a version began, "" when one began (its value is only kept when valid).
std::string refused_line_protocol(std::string_view line) {
    size_t method_end = line.find(' ');
    std::string_view method = line.substr(0, method_end);
    bool method_read = !method.empty() && method_end != std::string_view::npos;
    for (char c : method)
        method_read = method_read && is_method_char(c);
    if (!method_read) return "-";
    size_t target = line.find_first_not_of(' ', method_end);
    size_t target_end = line.find(' ', target == std::string_view::npos ? line.size() : target);
    size_t version = line.find_first_not_of(' ', target_end);
    return version != std::string_view::npos && line[version] == 'H' ? "" : "-";
}

std::string protocol_text(const RequestContext& ctx, const LoggedResponse& r) {
    const http::RequestHead& head = ctx.exchange.request();
    if (r.rejection && head.method.empty()) return refused_line_protocol(r.rejection->request_line);
    std::string_view version = http::to_string(head.version);
    return version.empty() ? "-" : std::string(version);  // HTTP/0.9 names no version
}

// The time strings change once a second: formatted then, not per line.
struct TimeTexts {
    std::time_t second = -1;
    std::string local, iso8601;
};

const TimeTexts& time_texts(int64_t now_ms) {
    thread_local TimeTexts cache;
    std::time_t second = static_cast<std::time_t>(now_ms / 1000);
    if (cache.second != second) {
        cache.second = second;
        cache.local = time_local_text(second);
        cache.iso8601 = time_iso8601_text(second);
    }
    return cache;
}

std::string variable_text(const LogPart& part, const RequestContext& ctx, const LoggedResponse& r) {
    switch (part.variable) {
        case LogVariable::status:
            return std::to_string(r.status);
        case LogVariable::body_bytes_sent:
            return std::to_string(r.body_bytes);
        case LogVariable::bytes_sent:
            return std::to_string(r.header_bytes + r.body_bytes);
        case LogVariable::request_time:
            return request_time_text(r.now_ms - r.start_ms);
        case LogVariable::request_length:
            return std::to_string(r.rejection ? r.rejection->head_bytes : request_length(ctx));
        case LogVariable::time_local:
            return time_texts(r.now_ms).local;
        case LogVariable::time_iso8601:
            return time_texts(r.now_ms).iso8601;
        case LogVariable::msec:
            return msec_text(r.now_ms);
        case LogVariable::remote_user:
            return basic_auth_user(ctx.exchange.request().find("Authorization"));
        case LogVariable::request_line:
            if (r.rejection) return std::string(r.rejection->request_line);
            break;
        case LogVariable::server_protocol:
            return protocol_text(ctx, r);
        case LogVariable::request:
            break;
    }
    // Variables nginx knows and this server does not compute log as missing ("-").
    return variable_value(part.text, ctx).value_or("");
}

void append_hex_escape(std::string& out, unsigned char c) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
}

void append_json_escaped(std::string& out, unsigned char c) {
    static constexpr std::pair<unsigned char, char> kShort[] = {
        {'"', '"'}, {'\\', '\\'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}, {'\b', 'b'}, {'\f', 'f'}};
    for (const auto& [from, to] : kShort) {
        if (c == from) {
            out.push_back('\\');
            out.push_back(to);
            return;
        }
    }
    if (c >= 0x20) return out.push_back(static_cast<char>(c));
    char code[8];
    std::snprintf(code, sizeof code, "\\u%04x", c);
    out += code;
}

// Three decimals of a millisecond count: "12.345".
std::string seconds_with_ms(int64_t ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    return text;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Standard base64 without line breaks; stops at the padding. Empty when malformed.
std::string base64_decode(std::string_view text) {
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        if (c == '=') break;
        int v = base64_value(c);
        if (v < 0) return {};
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xff));
        }
    }
    return out;
}

}  // namespace

Result<LogFormat, config::ConfigError> compile_log_format(std::string_view text, LogEscape escape,
                                                          const config::SourceLocation& where) {
    auto compiled = config::compile_value(text, nullptr, where);
    if (!compiled) return Err{compiled.error()};
    LogFormat format;
    format.escape = escape;
    for (const config::ValuePart& value : compiled->parts)
        format.parts.push_back(part_of(value));
    return format;
}

Result<LogFormat, config::ConfigError> compile_log_format(const config::Directive& d) {
    size_t first = 1;
    LogEscape escape = LogEscape::standard;
    if (d.args.size() > 2 && d.args[1].rfind("escape=", 0) == 0) {
        std::string_view mode = std::string_view(d.args[1]).substr(7);
        if (mode == "json")
            escape = LogEscape::json;
        else if (mode == "none")
            escape = LogEscape::none;
        else if (mode != "default")
            return Err{config::ConfigError{
                d.where, "unknown log format escaping \"" + std::string(mode) + "\""}};
        first = 2;
    }
    std::string text;
    for (size_t i = first; i < d.args.size(); ++i)
        text += d.args[i];
    return compile_log_format(text, escape, d.where);
}

config::Status check_access_log_formats(const config::Directive& http,
                                        const std::map<std::string, LogFormat>& formats) {
    for (const config::Directive& d : http.block) {
        bool names_format = d.name == "access_log" && d.args.size() > 1 && d.args[0] != "off" &&
                            d.args[1].find('=') == std::string::npos;
        if (names_format && !formats.contains(d.args[1]))
            return config::fail(d.where, "unknown log format \"" + d.args[1] + "\"");
        if (config::Status s = check_access_log_formats(d, formats); !s) return s;
    }
    return config::success();
}

std::string format_log_line(const LogFormat& format, const RequestContext& ctx,
                            const LoggedResponse& response) {
    std::string line;
    line.reserve(256);
    for (const LogPart& part : format.parts) {
        if (part.literal) {
            line += part.text;
            continue;
        }
        std::string value = variable_text(part, ctx, response);
        // $request always has a value in nginx: only blank lines received log as empty.
        if (value.empty() && format.escape != LogEscape::json &&
            part.variable != LogVariable::request_line &&
            part.variable != LogVariable::server_protocol)
            line.push_back('-');
        else
            append_escaped(line, value, format.escape);
    }
    return line;
}

void append_escaped(std::string& out, std::string_view value, LogEscape escape) {
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (escape == LogEscape::json)
            append_json_escaped(out, c);
        else if (escape == LogEscape::standard && (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f))
            append_hex_escape(out, c);
        else
            out.push_back(ch);
    }
}

std::string time_local_text(std::time_t t) {
    struct tm tm = local_time(t);
    UtcOffset off = offset_of(tm);
    char text[64];
    std::snprintf(text, sizeof text, "%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld", tm.tm_mday,
                  month_name(tm.tm_mon).data(), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  off.sign, off.hours, off.minutes);
    return text;
}

std::string time_iso8601_text(std::time_t t) {
    struct tm tm = local_time(t);
    UtcOffset off = offset_of(tm);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  off.sign, off.hours, off.minutes);
    return text;
}

std::string msec_text(int64_t ms) {
    return seconds_with_ms(ms);
}

std::string request_time_text(int64_t ms) {
    return seconds_with_ms(ms < 0 ? 0 : ms);  // the wall clock may step back
}

std::string basic_auth_user(std::string_view authorization) {
    constexpr std::string_view kScheme = "Basic ";
    if (authorization.size() <= kScheme.size() ||
        !http::iequals(authorization.substr(0, kScheme.size()), kScheme))
        return {};
    std::string_view encoded = authorization.substr(kScheme.size());
    while (!encoded.empty() && encoded.front() == ' ')
        encoded.remove_prefix(1);
    std::string credentials = base64_decode(encoded);
    size_t colon = credentials.find(':');
    if (colon == std::string::npos) return {};
    return credentials.substr(0, colon);
}

}  // namespace strata::web
