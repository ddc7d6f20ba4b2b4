// On-the-fly gzip as nginx's gzip filter does it: the decision (which responses, for which
// clients), what it changes in the response head, and a streaming zlib encoder.
//
// When decide_gzip() says compress, the response as nginx sends it has:
//   - no Content-Length and no Accept-Ranges (and any Range request is answered in full);
//   - Transfer-Encoding: chunked on HTTP/1.1, Connection: close on HTTP/1.0; neither for
//     HEAD, which gets the same head without a body;
//   - ETag made weak with weaken_etag(); Last-Modified kept;
//   - "Content-Encoding: gzip" as the last header.
// "Vary: Accept-Encoding" goes on whenever decision.vary is set, compressed or not.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/http/request_head.h"

struct z_stream_s;

namespace strata::web {

// nginx's gzip_* directives with their defaults.
struct GzipOptions {
    bool enabled = false;                                // gzip
    std::vector<std::string> types;                      // gzip_types; text/html is always included
    bool all_types = false;                              // gzip_types *
    uint64_t min_length = 20;                            // gzip_min_length
    http::Version http_version = http::Version::http11;  // gzip_http_version
    bool disable_msie6 = false;                          // gzip_disable msie6
    // gzip_disable's regexes, compiled by the caller; true when the User-Agent matches one.
    std::function<bool(std::string_view user_agent)> disable_user_agent;
    bool proxied_any = false;  // gzip_proxied any (off by default)
    bool vary = false;         // gzip_vary
    int comp_level = 1;        // gzip_comp_level
    int window_bits = 15;      // gzip_window 32k
    int mem_level = 8;         // gzip_hash 128k
};

struct GzipRequest {
    http::Version version = http::Version::http11;
    std::optional<std::string_view> accept_encoding;
    std::optional<std::string_view> user_agent;
    bool via = false;  // a Via header: the request came through a proxy
};
GzipRequest gzip_request(const http::RequestHead& request);

struct GzipResponse {
    int status = 200;
    std::string_view content_type;           // may carry "; charset=…"
    std::optional<uint64_t> content_length;  // nullopt when unknown
    bool content_encoded = false;            // a non-empty Content-Encoding is already set
};

struct GzipDecision {
    bool compress = false;
    bool vary = false;  // add "Vary: Accept-Encoding"
};

GzipDecision decide_gzip(const GzipOptions& options, const GzipRequest& request,
                         const GzipResponse& response);

// Whether Accept-Encoding lets nginx send gzip: the first "gzip" token (case-insensitive)
// with a non-zero, well-formed q. "*" and "x-gzip" do not count.
bool accepts_gzip(std::string_view accept_encoding);

// nginx's "msie6" test: MSIE 4.x or 5.x, or 6.x without "SV1" after it, not Opera.
bool is_msie6(std::string_view user_agent);

// "\"x\"" becomes "W/\"x\"", a weak tag stays; nullopt means drop the ETag (not quoted).
std::optional<std::string> weaken_etag(std::string_view etag);

// Deflate parameters for one response: nginx shrinks the window and hash for a short body
// of known length (same output for it, less memory).
struct GzipParams {
    int level = 1;
    int window_bits = 15;
    int mem_level = 8;
};
GzipParams gzip_params(const GzipOptions& options, std::optional<uint64_t> content_length);

// A streaming gzip encoder (RFC 1952 wrapper written by zlib, as nginx's output is).
class GzipEncoder {
  public:
    explicit GzipEncoder(const GzipParams& params);
    ~GzipEncoder();
    GzipEncoder(GzipEncoder&& other) noexcept;
    GzipEncoder& operator=(GzipEncoder&&) = delete;
    GzipEncoder(const GzipEncoder&) = delete;
    GzipEncoder& operator=(const GzipEncoder&) = delete;

    // False when zlib could not be initialised (out of memory, bad parameters).
    bool ok() const { return stream_ != nullptr; }
    // Appends whatever compressed output `input` yields so far to `out`.
    bool feed(std::string_view input, std::string& out);
    // Appends the rest of the stream and the gzip trailer; the encoder is then done.
    bool finish(std::string& out);

  private:
    bool deflate_into(std::string& out, int flush);

    z_stream_s* stream_ = nullptr;
};

}  // namespace strata::web
