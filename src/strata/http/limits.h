// Size limits on requests, as named constants with the reference servers' defaults.
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

}  // namespace strata::http
