#include "strata/net/http2_response_fields.h"

#include <charconv>

#include "strata/http/request_head.h"
#include "strata/http/status.h"

namespace strata::net {
namespace {

// HTTP/1 connection fields mean nothing in HTTP/2 and a peer must reject a response
// carrying them (RFC 9113 §8.2.2).
bool connection_specific(std::string_view name) {
    return http::iequals(name, "connection") || http::iequals(name, "keep-alive") ||
           http::iequals(name, "proxy-connection") || http::iequals(name, "transfer-encoding") ||
           http::iequals(name, "upgrade");
}

bool has_no_body(int status) {
    return status < 200 || status == 204 || status == 304;
}

template <size_t N>
std::string_view decimal(char (&buffer)[N], int64_t value) {
    auto [end, error] = std::to_chars(buffer, buffer + N, value);
    return {buffer, static_cast<size_t>(end - buffer)};
}

}  // namespace

void Http2ResponseFields::add(std::string_view name, std::string_view value) {
    fields_.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                       reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                       value.size(), NGHTTP2_NV_FLAG_NONE});
}

void Http2ResponseFields::build(const ResponseHead& head, int64_t content_length,
                                std::string_view server, std::string_view date) {
    fields_.clear();
    int status = http::status_sent_for(head.status);
    add(":status", decimal(status_, status));
    add("server", head.server.empty() ? server : head.server);
    add("date", head.date.empty() ? date : head.date);
    if (!head.content_type.empty()) add("content-type", head.content_type);
    if (content_length >= 0 && !has_no_body(status))
        add("content-length", decimal(length_, content_length));
    if (!head.last_modified.empty()) add("last-modified", head.last_modified);
    if (!head.location.empty()) add("location", head.location);
    if (head.vary_accept_encoding) add("vary", "Accept-Encoding");
    for (const http::Header& h : head.headers)
        if (!connection_specific(h.name)) add(h.name, h.value);
}

}  // namespace strata::net
