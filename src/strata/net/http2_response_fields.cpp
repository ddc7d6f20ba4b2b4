#include "strata/net/http2_response_fields.h"

#include <charconv>

#include "strata/http/request_head.h"
#include "strata/http/status.h"

namespace strata::net {
namespace {

// HTTP/1 connection fields mean nothing in HTTP/2 and a peer must reject a response
// carrying them (RFC 9113 §8.2.2).
bool connection_specific(std::string_view name) {
    switch (name.size()) {  // most names are none of these lengths
        case 7:
            return http::iequals(name, "upgrade");
        case 10:
            return http::iequals(name, "connection") || http::iequals(name, "keep-alive");
        case 16:
            return http::iequals(name, "proxy-connection");
        case 17:
            return http::iequals(name, "transfer-encoding");
        default:
            return false;
    }
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

void Http2ResponseFields::add(std::string_view name, std::string_view value, uint8_t flags) {
    fields_.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                       reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                       value.size(), flags});
}

// The fixed names are lower-case literals that live as long as the program: nghttp2 need
// not copy them.
void Http2ResponseFields::add_fixed(std::string_view name, std::string_view value) {
    add(name, value, NGHTTP2_NV_FLAG_NO_COPY_NAME);
}

void Http2ResponseFields::build(const ResponseHead& head, int64_t content_length,
                                std::string_view server, std::string_view date) {
    fields_.clear();
    int status = http::status_sent_for(head.status);
    add_fixed(":status", decimal(status_, status));
    add_fixed("server", head.server.empty() ? server : head.server);
    add_fixed("date", head.date.empty() ? date : head.date);
    if (!head.content_type.empty()) add_fixed("content-type", head.content_type);
    if (content_length >= 0 && !has_no_body(status))
        add_fixed("content-length", decimal(length_, content_length));
    if (!head.last_modified.empty()) add_fixed("last-modified", head.last_modified);
    if (!head.location.empty()) add_fixed("location", head.location);
    if (head.vary_accept_encoding) add_fixed("vary", "Accept-Encoding");
    for (const http::Header& h : head.headers)
        if (!connection_specific(h.name)) add(h.name, h.value, NGHTTP2_NV_FLAG_NONE);
}

}  // namespace strata::net
