// How the HTTP/1 engine treats its connections; defaults are nginx's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/base/version.h"
#include "strata/http/request_parser.h"
#include "strata/net/tls_context.h"

namespace strata::net {

// Whose error pages the connection sends for its own errors (400, 500, …).
enum class ErrorPages : uint8_t { nginx, gunicorn };

// HTTP/2 on a connection (nginx's http2_* directives and their defaults).
struct Http2Options {
    uint32_t max_concurrent_streams = 128;
    size_t chunk_size = 8 * 1024;            // the most body bytes in one DATA frame
    uint32_t body_preread_size = 64 * 1024;  // a stream's receive window before its handler
    // A request's fields, names and values together, beyond this: 431 (nginx's
    // large_client_header_buffers, count × size).
    size_t max_header_bytes = 4 * 8 * 1024;
};

struct HttpOptions {
    http::ParserOptions parser;
    // nginx's worker_connections: listening sockets count too; 0 = no limit.
    uint64_t worker_connections = 0;
    uint64_t client_header_timeout_ms = 60'000;
    uint64_t client_body_timeout_ms = 60'000;
    uint64_t keepalive_timeout_ms = 75'000;
    uint64_t send_timeout_ms = 60'000;
    uint64_t keepalive_requests = 1000;
    uint64_t lingering_time_ms = 30'000;
    uint64_t lingering_timeout_ms = 5'000;
    std::string server_token{kServerToken};
    // Request bodies beyond this many bytes go to an unlinked temporary file in
    // body_temp_dir instead of memory; 0 keeps every body in memory. The defaults of the
    // RequestOptions built from these (request_options_of); a location may set its own.
    uint64_t body_memory_limit = 0;
    std::string body_temp_dir = "/tmp";
    ErrorPages error_pages = ErrorPages::nginx;
    Http2Options http2;
};

// What the location handling a request decides about its connection (nginx scopes
// these per location). Built once at load; requests only point at them.
struct RequestOptions {
    uint64_t body_limit = http::kNginxMaxBody;  // client_max_body_size; kUnlimitedBody: none
    uint64_t client_body_timeout_ms = 60'000;
    uint64_t keepalive_timeout_ms = 75'000;  // 0: no keep-alive at all
    std::string keepalive_header;            // "timeout=N" for a Keep-Alive field; empty: none
    uint64_t keepalive_requests = 1000;
    uint64_t send_timeout_ms = 60'000;
    std::string server_token{kServerToken};  // the Server field's value
    // A body beyond this many bytes is spooled to an unlinked temporary file in
    // body_temp_dir (nginx's client_body_buffer_size, client_body_temp_path); 0: never.
    uint64_t body_memory_limit = 0;
    std::string body_temp_dir = "/tmp";
};

// The per-request part of a server-wide HttpOptions.
RequestOptions request_options_of(const HttpOptions& options);

// What the connections of one listening socket start with: nginx takes the header
// settings from the default server of the address, and a request uses its server's
// settings until a location is chosen.
struct ListenerOptions {
    ListenerOptions() = default;
    ListenerOptions(HttpOptions http_options, RequestOptions request_options,
                    std::shared_ptr<const TlsListener> tls_listener)
        : http(std::move(http_options)),
          request(std::move(request_options)),
          tls(std::move(tls_listener)) {}

    HttpOptions http;
    RequestOptions request;
    // `listen … ssl`: connections begin with a TLS handshake. A plain HTTP request there
    // is answered with 497 (nginx's "plain HTTP request was sent to HTTPS port").
    std::shared_ptr<const TlsListener> tls;
    // `listen … http2`: HTTP/2 when TLS negotiates it (ALPN "h2"), or when a cleartext
    // connection opens with the HTTP/2 preface (prior knowledge); HTTP/1.x otherwise.
    bool http2 = false;
    // Owns what http.parser.host_field_limit points at (null: one limit for all fields).
    std::shared_ptr<const http::HostFieldLimit> host_field_limit;
};

}  // namespace strata::net
