// Request-head parser and chunked decoder on realistic input. Every iteration checks
// its result, so a parser that got faster by getting wrong shows up as an error, not
// as a win.
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "strata/http/chunked_decoder.h"
#include "strata/http/request_parser.h"

namespace {

using strata::http::ChunkedDecoder;
using strata::http::ChunkResult;
using strata::http::ChunkStatus;
using strata::http::ParseResult;
using strata::http::ParseStatus;
using strata::http::RequestParser;

// What Chrome sends for a script on a page it already has cookies for (~500 bytes).
constexpr std::string_view kBrowserGet =
    "GET /static/js/app.4f3c2a1b.js?v=20240115 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Not_A Brand\";v=\"8\", \"Chromium\";v=\"120\", \"Google Chrome\";v=\"120\"\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36\r\n"
    "sec-ch-ua-platform: \"Linux\"\r\n"
    "Accept: */*\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Sec-Fetch-Dest: script\r\n"
    "Referer: https://www.example.com/\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Cookie: sid=7f9c2ba4e88f827d616045507605853e; _ga=GA1.2.1181563455.1700000000\r\n"
    "\r\n";
constexpr std::string_view kBrowserTarget = "/static/js/app.4f3c2a1b.js?v=20240115";
constexpr size_t kBrowserHeaders = 14;

// The head as the browser request should parse; false means the parser is wrong.
bool is_browser_head(const RequestParser& parser, const ParseResult& r) {
    const auto& head = parser.head();
    return r.status == ParseStatus::complete && r.consumed == kBrowserGet.size() &&
           head.method == "GET" && head.target == kBrowserTarget &&
           head.headers.size() == kBrowserHeaders && head.keep_alive;
}

void set_request_counters(benchmark::State& state, size_t bytes_per_request) {
    const auto requests = static_cast<int64_t>(state.iterations());
    state.SetBytesProcessed(requests * static_cast<int64_t>(bytes_per_request));
    state.counters["requests/s"] =
        benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
}

void BM_ParseBrowserGet(benchmark::State& state) {
    RequestParser parser;  // reused, as a connection reuses it across keep-alive requests
    for (auto _ : state) {
        parser.reset();
        ParseResult r = parser.parse(kBrowserGet);
        benchmark::DoNotOptimize(r);
        if (!is_browser_head(parser, r)) {
            state.SkipWithError("browser GET parsed wrong");
            break;
        }
    }
    set_request_counters(state, kBrowserGet.size());
}
BENCHMARK(BM_ParseBrowserGet);

// The head arrives in two reads: the first stops mid-header, the second call must
// resume where the first stopped rather than rescan.
void BM_ParseBrowserGetInTwoHalves(benchmark::State& state) {
    const std::string_view first = kBrowserGet.substr(0, kBrowserGet.size() / 2);
    RequestParser parser;
    for (auto _ : state) {
        parser.reset();
        ParseResult partial = parser.parse(first);
        ParseResult r = parser.parse(kBrowserGet);
        benchmark::DoNotOptimize(r);
        if (partial.status != ParseStatus::need_more || !is_browser_head(parser, r)) {
            state.SkipWithError("browser GET in two halves parsed wrong");
            break;
        }
    }
    set_request_counters(state, kBrowserGet.size());
}
BENCHMARK(BM_ParseBrowserGetInTwoHalves);

// ---------------------------------------------------------------- chunked body

constexpr size_t kChunkedBody = 64 * 1024;
constexpr size_t kChunkSize = 4 * 1024;

std::string chunked_wire() {
    std::string wire;
    for (size_t sent = 0; sent < kChunkedBody; sent += kChunkSize) {
        wire += "1000\r\n";  // kChunkSize in hex
        wire.append(kChunkSize, static_cast<char>('a' + sent / kChunkSize));
        wire += "\r\n";
    }
    wire += "0\r\n\r\n";
    return wire;
}

struct Decoded {
    bool done = false;
    size_t consumed = 0;
    size_t body = 0;
};

// Feeds the whole wire, as one read holding the full body would; bounded so a decoder
// that stops making progress fails the benchmark instead of hanging it.
Decoded decode_all(ChunkedDecoder& decoder, std::string_view wire) {
    Decoded out;
    const size_t max_calls = 4 * (kChunkedBody / kChunkSize) + 8;
    for (size_t call = 0; call < max_calls; ++call) {
        ChunkResult r = decoder.decode(wire.substr(out.consumed));
        benchmark::DoNotOptimize(r.data.data());
        out.consumed += r.consumed;
        out.body += r.data.size();
        if (r.status != ChunkStatus::data) {
            out.done = r.status == ChunkStatus::done;
            break;
        }
    }
    return out;
}

void BM_DecodeChunked64KiB(benchmark::State& state) {
    const std::string wire = chunked_wire();
    ChunkedDecoder decoder;
    for (auto _ : state) {
        decoder.reset();
        Decoded d = decode_all(decoder, wire);
        if (!d.done || d.consumed != wire.size() || d.body != kChunkedBody ||
            decoder.body_size() != kChunkedBody) {
            state.SkipWithError("chunked body decoded wrong");
            break;
        }
    }
    const auto bodies = static_cast<int64_t>(state.iterations());
    state.SetBytesProcessed(bodies * static_cast<int64_t>(wire.size()));
    state.counters["bodies/s"] =
        benchmark::Counter(static_cast<double>(bodies), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeChunked64KiB);

}  // namespace
