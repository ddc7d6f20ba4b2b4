// Size limits on requests and upstream responses, as named constants with the reference servers'
// defaults.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::http {

// nginx: large_client_header_buffers 4 8k; client_max_body_size 1m.
inline constexpr size_t kNginxMaxRequestLine = 8192;
inline constexpr size_t kNginxMaxFieldLine = 8192;
inline constexpr uint64_t kNginxMaxBody = 1024 * 1024;
// gunicorn: --limit-request-line 4094, --limit-request-fields 100,
// --limit-request-field_size 8190; bodies are not limited.
inline constexpr size_t kGunicornMaxRequestLine = 4094;
inline constexpr size_t kGunicornMaxFields = 100;
inline constexpr size_t kGunicornMaxFieldLine = 8190;
// A chunk-size line (size plus extensions) longer than this is an attack, not a request.
inline constexpr size_t kMaxChunkLine = 4096;
inline constexpr uint64_t kUnlimitedBody = UINT64_MAX;
// nginx: proxy_buffer_size 4k|8k (one memory page; 4k on x86-64). An upstream's whole
// response head must fit in it, else "upstream sent too big header" and 502.
inline constexpr size_t kNginxProxyBufferSize = 4096;
// nginx counts no upstream header lines (its buffer bounds them); we take gunicorn's
// request limit so a head of tiny lines cannot make a long header table.
inline constexpr size_t kMaxResponseFields = kGunicornMaxFields;

struct Limits {
    size_t request_line = kNginxMaxRequestLine;  // without its CRLF; longer → 414
    size_t field_line = kNginxMaxFieldLine;      // one header line, CRLF included, longer → 431
    size_t fields = kGunicornMaxFields;          // more header lines → 431
    uint64_t body = kNginxMaxBody;               // larger body → 413

    static constexpr Limits nginx() { return {}; }
    static constexpr Limits gunicorn() {
        return {kGunicornMaxRequestLine, kGunicornMaxFieldLine, kGunicornMaxFields, kUnlimitedBody};
    }
};

struct ResponseLimits {
    size_t head = kNginxProxyBufferSize;  // status line, fields and final CRLF; more → 502
    size_t fields = kMaxResponseFields;   // more header lines → 502
};

}  // namespace strata::http
