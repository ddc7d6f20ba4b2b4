#include "strata/web/gzip_filter.h"

#include <zlib.h>

#include <array>

namespace strata::web {
namespace {

constexpr std::string_view kGzip = "gzip";
constexpr std::string_view kWeakPrefix = "W/";

bool is_gzipped_status(int status) {
    return status == 200 || status == 403 || status == 404;
}

// The media type without parameters, compared case-insensitively with gzip_types.
bool type_is_listed(const GzipOptions& options, std::string_view content_type) {
    if (options.all_types) return true;
    std::string_view type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.remove_suffix(1);
    if (http::iequals(type, "text/html")) return true;
    for (const std::string& listed : options.types)
        if (http::iequals(type, listed)) return true;
    return false;
}

// Whether nginx would compress this response for some client (status, encoding, length,
// type); only then does it consider Vary.
bool response_is_eligible(const GzipOptions& options, const GzipResponse& response) {
    if (!options.enabled || !is_gzipped_status(response.status)) return false;
    if (response.content_encoded) return false;
    if (response.content_length && *response.content_length < options.min_length) return false;
    return type_is_listed(options, response.content_type);
}

bool client_is_eligible(const GzipOptions& options, const GzipRequest& request) {
    if (!request.accept_encoding || !accepts_gzip(*request.accept_encoding)) return false;
    if (options.disable_msie6 && request.user_agent && is_msie6(*request.user_agent)) return false;
    if (request.version < options.http_version) return false;
    if (request.via && !options.proxied_any) return false;
    if (options.disable_user_agent && request.user_agent &&
        options.disable_user_agent(*request.user_agent))
        return false;
    return true;
}

size_t find_ignoring_case(std::string_view text, std::string_view word, size_t from) {
    for (size_t pos = from; pos + word.size() <= text.size(); ++pos)
        if (http::iequals(text.substr(pos, word.size()), word)) return pos;
    return std::string_view::npos;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// q's value after "q=", in thousandths: "0"/"1", then optionally '.' and up to three
// digits; it must end the string or be followed by ',' or ' '. nullopt when malformed.
std::optional<int> quality_thousandths(std::string_view text) {
    if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
    int value = (text[0] - '0') * 1000;
    size_t pos = 1;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        for (int scale = 100; pos < text.size() && is_digit(text[pos]); scale /= 10, ++pos) {
            if (scale == 0) return std::nullopt;
            value += (text[pos] - '0') * scale;
        }
    }
    if (pos < text.size() && text[pos] != ',' && text[pos] != ' ') return std::nullopt;
    if (value > 1000) return std::nullopt;
    return value;
}

size_t skip_spaces(std::string_view text, size_t pos) {
    while (pos < text.size() && text[pos] == ' ')
        ++pos;
    return pos;
}

// What follows the token "gzip": nothing, a comma, or ";q=…" (spaces allowed before the
// ';' and after it, not around '=').
bool gzip_parameters_accept(std::string_view rest) {
    size_t pos = skip_spaces(rest, 0);
    if (pos == rest.size() || rest[pos] == ',') return true;
    if (rest[pos] != ';') return false;
    pos = skip_spaces(rest, pos + 1);
    if (pos + 1 >= rest.size() || (rest[pos] != 'q' && rest[pos] != 'Q') || rest[pos + 1] != '=')
        return false;
    auto quality = quality_thousandths(rest.substr(pos + 2));
    return quality && *quality > 0;
}

}  // namespace

GzipRequest gzip_request(const http::RequestHead& request) {
    GzipRequest out;
    out.version = request.version;
    for (const http::Header& h : request.headers) {
        if (!out.accept_encoding && http::iequals(h.name, "Accept-Encoding"))
            out.accept_encoding = h.value;
        if (!out.user_agent && http::iequals(h.name, "User-Agent")) out.user_agent = h.value;
        if (http::iequals(h.name, "Via")) out.via = true;
    }
    return out;
}

GzipDecision decide_gzip(const GzipOptions& options, const GzipRequest& request,
                         const GzipResponse& response) {
    if (!response_is_eligible(options, response)) return {};
    return {client_is_eligible(options, request), options.vary};
}

// Only the first "gzip" that starts a token (at the start, or after ',' or ' ') is read;
// if its parameters are not understood the answer is no, even when a later one is fine.
bool accepts_gzip(std::string_view accept_encoding) {
    size_t pos = 0;
    for (;; pos += kGzip.size()) {
        pos = find_ignoring_case(accept_encoding, kGzip, pos);
        if (pos == std::string_view::npos) return false;
        if (pos == 0 || accept_encoding[pos - 1] == ',' || accept_encoding[pos - 1] == ' ') break;
    }
    return gzip_parameters_accept(accept_encoding.substr(pos + kGzip.size()));
}

bool is_msie6(std::string_view user_agent) {
    size_t msie = user_agent.find("MSIE ");
    // nginx looks at "MSIE N.x" only when the agent has 8 bytes from "MSIE " on.
    if (msie == std::string_view::npos || msie + 8 > user_agent.size()) return false;
    if (user_agent.find("Opera") != std::string_view::npos) return false;
    if (user_agent[msie + 6] != '.') return false;
    char major = user_agent[msie + 5];
    if (major == '4' || major == '5') return true;
    return major == '6' && user_agent.find("SV1", msie + 8) == std::string_view::npos;
}

std::optional<std::string> weaken_etag(std::string_view etag) {
    if (etag.starts_with(kWeakPrefix)) return std::string(etag);
    if (!etag.starts_with('"')) return std::nullopt;
    return std::string(kWeakPrefix) + std::string(etag);
}

GzipParams gzip_params(const GzipOptions& options, std::optional<uint64_t> content_length) {
    GzipParams params{options.comp_level, options.window_bits, options.mem_level};
    if (!content_length || *content_length == 0) return params;
    // Halve the window while the body fits in half of it (less deflate's lookahead).
    while (params.window_bits > 9 &&
           *content_length < (uint64_t{1} << (params.window_bits - 1)) - 262) {
        --params.window_bits;
        --params.mem_level;
    }
    if (params.mem_level < 1) params.mem_level = 1;
    return params;
}

GzipEncoder::GzipEncoder(const GzipParams& params) : stream_(new z_stream{}) {
    constexpr int kGzipWrapper = 16;  // zlib: add 16 to windowBits for a gzip header/trailer
    if (deflateInit2(stream_, params.level, Z_DEFLATED, params.window_bits + kGzipWrapper,
                     params.mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
        delete stream_;
        stream_ = nullptr;
    }
}

GzipEncoder::~GzipEncoder() {
    if (stream_ == nullptr) return;
    deflateEnd(stream_);
    delete stream_;
}

GzipEncoder::GzipEncoder(GzipEncoder&& other) noexcept : stream_(other.stream_) {
    other.stream_ = nullptr;
}

bool GzipEncoder::feed(std::string_view input, std::string& out) {
    if (stream_ == nullptr) return false;
    // zlib's API is not const-correct; deflate only reads next_in.
    stream_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_->avail_in = static_cast<uInt>(input.size());
    return deflate_into(out, Z_NO_FLUSH);
}

bool GzipEncoder::finish(std::string& out) {
    if (stream_ == nullptr) return false;
    stream_->next_in = nullptr;
    stream_->avail_in = 0;
    return deflate_into(out, Z_FINISH);
}

// Runs deflate until it has taken all input (or, finishing, written the trailer).
bool GzipEncoder::deflate_into(std::string& out, int flush) {
    std::array<char, 16384> chunk;
    for (;;) {
        stream_->next_out = reinterpret_cast<Bytef*>(chunk.data());
        stream_->avail_out = static_cast<uInt>(chunk.size());
        int rc = deflate(stream_, flush);
        if (rc == Z_STREAM_ERROR) return false;
        out.append(chunk.data(), chunk.size() - stream_->avail_out);
        if (rc == Z_STREAM_END) return true;
        bool drained = stream_->avail_out != 0 && stream_->avail_in == 0;
        if (flush == Z_NO_FLUSH && drained) return true;
    }
}

}  // namespace strata::web
