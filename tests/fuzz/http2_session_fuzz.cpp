// The HTTP/2 session under arbitrary frames: a client's bytes after a valid preface,
// split at a fuzzed point, with a handler that answers at once, streams, fails or never
// answers. Properties: no crash or sanitizer report, the output is well-formed enough
// that every frame header's length fits in what was produced, and losing the connection
// leaves no stream waiting that was answered.
//
// Input: one control byte (the split point, in 1/256ths), then the bytes after the
// client preface.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "strata/base/buffer.h"
#include "strata/net/http2_session.h"
#include "strata/net/http2_stream.h"

namespace strata::fuzz {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Answers by path: "/" a small body, "/stream" a streamed one, "/file"-less error pages
// for the rest; "/hold" is kept unanswered until the connection goes.
class Handler final : public net::HttpHandler {
  public:
    void handle(net::Exchange& exchange) override {
        std::string_view path = exchange.request().target;
        if (path == "/hold") {
            held.push_back(&exchange);
            return;
        }
        net::ResponseHead head;
        head.content_type = "text/plain";
        head.headers.push_back({"X-Test", "1"});
        if (path == "/") return exchange.respond(head, "hello");
        if (path == "/stream") {
            exchange.begin_response(head, -1);
            exchange.send_body(std::string(20000, 'x'));
            exchange.send_body("tail");
            return exchange.end_response(true);
        }
        exchange.respond_error(404);
    }
    std::vector<net::Exchange*> held;
};

class Host final : public net::Http2Host {
  public:
    Handler handler_;
    net::ListenerOptions options_;
    net::PeerAddress peer_;
    net::ListenerInfo listener_;

    net::HttpHandler& handler() override { return handler_; }
    std::string_view http_date() override { return "Thu, 01 Jan 2026 00:00:00 GMT"; }
    const net::PeerAddress& peer() const override { return peer_; }
    const net::ListenerInfo& listener() const override { return listener_; }
    std::string local_address() const override { return "127.0.0.1"; }
    const net::TlsInfo* tls() const override { return nullptr; }
    const net::ListenerOptions& listener_options() const override { return options_; }
    void on_output_ready() override {}
    void on_stream_released() override {}
    uint64_t now_ms() const override { return now; }

    uint64_t now = 1000;  // the driver moves it on to time stalled bodies out
};

// Every frame header in the output announces no more than what follows it.
void check_frames(std::string_view out) {
    while (out.size() >= 9) {
        size_t length = (static_cast<size_t>(static_cast<uint8_t>(out[0])) << 16) |
                        (static_cast<size_t>(static_cast<uint8_t>(out[1])) << 8) |
                        static_cast<uint8_t>(out[2]);
        require(length <= 16384, "frame longer than the default SETTINGS_MAX_FRAME_SIZE");
        require(out.size() >= 9 + length, "frame cut short in the output");
        out.remove_prefix(9 + length);
    }
    require(out.empty(), "bytes after the last frame");
}

void drain(net::Http2Session& session) {
    Buffer out;
    while (session.produce(out, 1 << 20) > 0) {
    }
    check_frames(out.view());
    session.notify_output_sent();
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace strata;
    fuzz::FuzzInput input(data, size);
    uint8_t split_byte = input.byte();
    std::string_view frames = input.rest();
    auto host = std::make_unique<fuzz::Host>();
    host->options_.request.body_limit = 64 * 1024;
    {
        net::Http2Session session(*host);
        fuzz::drain(session);
        std::string bytes(fuzz::kPreface);
        bytes.append(frames);
        size_t split = bytes.size() * split_byte / 256;
        std::string_view all(bytes);
        bool ok = session.receive(all.substr(0, split));
        fuzz::drain(session);
        if (ok) ok = session.receive(all.substr(split));
        fuzz::drain(session);
        // Bodies still arriving stall past client_body_timeout: their streams are reset.
        host->now += host->options_.request.client_body_timeout_ms + 1;
        if (uint64_t deadline = session.next_body_deadline(); deadline != 0)
            fuzz::require(deadline < host->now, "a body deadline beyond the timeout");
        session.expire_stalled_bodies(host->now);
        fuzz::require(session.next_body_deadline() == 0, "a stalled body outlived its timeout");
        fuzz::drain(session);
        for (net::Exchange* held : host->handler_.held)
            held->respond_error(503);  // the handler answers late, maybe after a reset
        host->handler_.held.clear();
        fuzz::drain(session);
        session.connection_lost();
        session.collect_finished();
        fuzz::require(session.awaiting_responses() == 0, "a stream still waits after its answer");
    }
    return 0;
}
