#include "strata/web/proxy_request.h"

#include <charconv>

namespace strata::web {
namespace {

using http::iequals;

// nginx's ngx_http_proxy_headers: the fields it sets unless proxy_set_header names them.
// Transfer-Encoding is set only for a chunked body sent unbuffered, which never happens
// here: it and the last four are empty, never sent, but keep the client's fields of
// those names from being passed on.
enum class Default : uint8_t { proxy_host, close, body_length, none };

struct DefaultHeader {
    std::string_view name;
    Default value;
};

constexpr DefaultHeader kDefaults[] = {
    {"Host", Default::proxy_host},
    {"Connection", Default::close},
    {"Content-Length", Default::body_length},
    {"Transfer-Encoding", Default::none},
    {"TE", Default::none},
    {"Keep-Alive", Default::none},
    {"Expect", Default::none},
    {"Upgrade", Default::none},
};

bool set_by_user(std::string_view name, const ProxyRequestSettings& settings) {
    for (const ProxyHeader& h : settings.set_headers)
        if (iequals(h.name, name)) return true;
    return false;
}

// A client field nginx does not pass: one proxy_set_header or a default names it.
bool replaced(std::string_view name, const ProxyRequestSettings& settings) {
    for (const DefaultHeader& d : kDefaults)
        if (iequals(d.name, name)) return true;
    return set_by_user(name, settings);
}

// Writes the head through `put`, so one pass can count bytes and the next append them.
template <class Put>
void emit(const http::RequestHead& client, std::string_view uri, std::string_view body_length,
          const ProxyRequestSettings& settings, Put&& put) {
    auto field = [&](std::string_view name, std::string_view value) {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    };
    put(settings.method.empty() ? client.method : settings.method);
    put(" ");
    put(uri);
    put(" ");
    put(http::to_string(settings.version));
    put("\r\n");
    // The user's fields first, in their order; then the defaults they did not replace.
    for (const ProxyHeader& h : settings.set_headers)
        if (!h.value.empty()) field(h.name, h.value);
    for (const DefaultHeader& d : kDefaults) {
        if (set_by_user(d.name, settings)) continue;
        std::string_view value = d.value == Default::proxy_host    ? settings.proxy_host
                                 : d.value == Default::close       ? "close"
                                 : d.value == Default::body_length ? body_length
                                                                   : "";
        if (!value.empty()) field(d.name, value);
    }
    if (settings.pass_request_headers)
        for (const http::Header& h : client.headers)
            if (!replaced(h.name, settings)) field(h.name, h.value);
    put("\r\n");
}

}  // namespace

std::string proxy_request_head(const http::RequestHead& client, std::string_view uri,
                               std::optional<uint64_t> body_length,
                               const ProxyRequestSettings& settings) {
    // proxy_set_body replaces the body, and so its length.
    if (settings.set_body) body_length = settings.set_body->size();
    char digits[20];
    size_t digit_count = 0;
    if (body_length)
        digit_count = static_cast<size_t>(
            std::to_chars(digits, digits + sizeof digits, *body_length).ptr - digits);
    std::string_view length(digits, digit_count);

    size_t size = 0;
    emit(client, uri, length, settings, [&](std::string_view s) { size += s.size(); });
    std::string head;
    head.reserve(size);
    emit(client, uri, length, settings, [&](std::string_view s) { head.append(s); });
    return head;
}

}  // namespace strata::web
