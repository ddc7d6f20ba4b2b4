// The response: its head parsed and handed to the client's filters (or taken as a
// reason to try the next peer), then its body relayed as its framing says.
#include <cerrno>
#include <cstring>

#include "strata/net/socket_io.h"
#include "strata/web/front_handler.h"
#include "strata/web/proxy_cookie_request.h"
#include "strata/web/proxy_exchange.h"
#include "strata/web/proxy_response.h"

namespace strata::web {
namespace {

// The first read of an exchange takes a pooled block (most answers fit in one); a
// buffer that filled up reads more at a time.
constexpr size_t kFirstRead = kBufferBlock;
constexpr size_t kReadSize = 16 * 1024;
// Read at most this much before working it off: the relay's limits then apply.
constexpr size_t kMaxUnworkedInput = 64 * 1024;

std::string with_errno(std::string_view what, int error) {
    return std::string(what) + " (" + std::to_string(error) + ": " + strerrordesc_np(error) + ")";
}

// Where a relative temp path is: under the prefix, as nginx's proxy_temp_path.
std::string temp_dir_of(const std::string& path, const std::string& prefix) {
    return !path.empty() && path.front() == '/' ? path : prefix + path;
}

}  // namespace

void ProxyExchange::read_response() {
    if (phase_ == Phase::reading_body) return read_body();
    if (!read_some()) return;
    parse_head();
}

// Reads until the socket is drained, it closes, or enough is waiting. false: the read
// failed, and the failure was handled.
bool ProxyExchange::read_some() {
    while (input_.size() < kMaxUnworkedInput && !upstream_eof_) {
        char* at = input_.prepare(input_.capacity() < kReadSize ? kFirstRead : kReadSize);
        size_t room = input_.writable();
        net::IoResult r = net::read_some(fd_, at, room);
        if (r.status == net::IoStatus::ok) {
            input_.commit(r.bytes);
            if (r.bytes < room) return true;  // drained: a later arrival raises a new edge
            continue;
        }
        if (r.status == net::IoStatus::would_block) return true;
        if (r.status == net::IoStatus::closed) {
            upstream_eof_ = true;
            return true;
        }
        if (phase_ == Phase::reading_body)
            body_failed("recv() failed", r.error);
        else
            fail(UpstreamFailure::error, r.error, "recv() failed");
        return false;
    }
    return true;
}

// Interim heads (100 Continue, 103) are skipped, as nginx does.
void ProxyExchange::parse_head() {
    for (;;) {
        http::ParseResult r = parser_.parse(input_.view());
        if (r.status == http::ParseStatus::need_more) {
            if (upstream_eof_)
                fail(UpstreamFailure::error, 0, "upstream prematurely closed connection");
            return;
        }
        if (r.status == http::ParseStatus::error) {
            bool too_big = r.error == http::ParseError::response_head_too_large;
            return fail(UpstreamFailure::invalid_header, 0,
                        too_big ? "upstream sent too big header" : "upstream sent invalid header");
        }
        if (!parser_.head().interim) return on_head();
        input_.consume(r.consumed);
        parser_.next_response();
    }
}

void ProxyExchange::on_head() {
    current_try().status = parser_.head().status;
    current_try().header_ms = loop().now_ms() - try_start_ms_;
    if (retry_for_status()) return;
    size_t head_size = parser_.head().head_size;
    forward_head();  // while the head's views still point into the input
    input_.consume(head_size);
    if (out_.discarding()) {  // error_page answered instead (proxy_intercept_errors)
        phase_ = Phase::done;
        end_try(PeerOutcome::success);
        close_connection();
        out_.end_response(true);
        return retire();
    }
    phase_ = Phase::reading_body;
    body_left_ = parser_.head().content_length;
    chunked_.reset();
    read_body();
}

// nginx's ngx_http_upstream_test_next: a status proxy_next_upstream names is a failed
// try when another may follow; the last try's response goes to the client as it is.
bool ProxyExchange::retry_for_status() {
    auto failure = failure_of_status(parser_.head().status);
    if (!failure) return false;
    if (!should_try_next(*failure, try_state())) return false;
    fail(*failure, 0, {});
    return true;
}

void ProxyExchange::forward_head() {
    const ProxySettings& s = settings();
    std::optional<CookieRewrites> cookies = cookie_rewrites_for(ctx());
    UpstreamHeaderRules rules{*s.hide_headers, *s.pass_headers, cookies ? &*cookies : nullptr};
    net::ResponseHead head =
        forwarded_head(parser_.head(), rules, request_.redirects, ctx().strings);
    if (!head.location.empty() && head.location.front() == '/')
        head.location = ctx().keep(absolute_location(ctx(), head.location));
    if (!head.server.empty()) out_.keep_upstream_server();
    bool buffering = *s.buffering;
    RelayLimits limits;
    limits.memory = buffering ? *s.buffers_number * *s.buffers_size : *s.buffer_size;
    limits.file = buffering ? *s.max_temp_file_size : 0;
    limits.temp_dir = temp_dir_of(*s.temp_path, ctx().main.prefix);
    relay_.emplace(out_, std::move(limits));
    response_begun_ = true;
    out_.begin_response(head, forwarded_length(parser_.head()));
}

// Works off what was read, then reads on while the relay has room. Paused (the client
// is slow and the buffers are full), it is resumed by on_output_sent().
void ProxyExchange::read_body() {
    if (reading_) return;  // called back from inside the relay: the loop below goes on
    reading_ = true;
    while (phase_ == Phase::reading_body) {
        if (!relay_body()) break;
        if (!relay_->wants_more()) {
            loop().disarm(timer_);  // waiting for the client, not the upstream
            break;
        }
        size_t before = input_.size();
        if (!read_some()) break;
        if (input_.size() == before && !upstream_eof_) {
            arm(*settings().read_timeout_ms);  // proxy_read_timeout: between two reads
            break;
        }
    }
    reading_ = false;
}

// false: the body ended, failed, or the client left (all handled).
bool ProxyExchange::relay_body() {
    const http::ResponseHead& head = parser_.head();
    if (head.body == http::ResponseBody::none) {
        finish_body(true);
        return false;
    }
    if (head.body == http::ResponseBody::chunked) return relay_chunked();
    bool by_length = head.body == http::ResponseBody::length;
    size_t n = by_length ? static_cast<size_t>(std::min<uint64_t>(body_left_, input_.size()))
                         : input_.size();
    if (n > 0) {
        if (!relay_->feed(input_.view().substr(0, n))) {
            body_failed("could not write the response to a temporary file", errno);
            return false;
        }
        input_.consume(n);
        if (by_length) body_left_ -= n;
    }
    if (client_gone_ && !*settings().ignore_client_abort) {
        abort_for_client();
        return false;
    }
    if (by_length && body_left_ == 0) {
        finish_body(true);
        return false;
    }
    if (upstream_eof_) {
        if (by_length)
            body_failed("upstream prematurely closed connection", 0);
        else
            finish_body(true);  // the close is the body's end
        return false;
    }
    return true;
}

bool ProxyExchange::relay_chunked() {
    size_t consumed = 0;
    for (;;) {
        http::ChunkResult r = chunked_.decode(input_.view().substr(consumed));
        if (!r.data.empty() && !relay_->feed(r.data)) {
            input_.consume(consumed);
            body_failed("could not write the response to a temporary file", errno);
            return false;
        }
        consumed += r.consumed;
        if (r.status == http::ChunkStatus::data) continue;
        input_.consume(consumed);
        if (client_gone_ && !*settings().ignore_client_abort) {
            abort_for_client();
            return false;
        }
        if (r.status == http::ChunkStatus::done) {
            finish_body(true);
            return false;
        }
        if (r.status == http::ChunkStatus::error) {
            body_failed("upstream sent invalid chunked response", 0);
            return false;
        }
        if (upstream_eof_) {
            body_failed("upstream prematurely closed connection", 0);
            return false;
        }
        return true;
    }
}

// The upstream is done with (kept for another request when it may be), then the client
// gets the rest: an incomplete body closes its connection rather than lie about framing.
void ProxyExchange::finish_body(bool complete) {
    phase_ = Phase::done;
    current_try().response_length = relay_->received();
    end_try(PeerOutcome::success);
    if (complete)
        keep_connection();
    else
        close_connection();
    relay_->hand_over_all();
    out_.end_response(complete);
    retire();
}

void ProxyExchange::body_failed(std::string_view message, int error) {
    log_upstream(log::Level::error, error != 0 ? with_errno(message, error) : std::string(message));
    finish_body(false);
}

// The client is gone (and proxy_ignore_client_abort is off): the upstream is dropped.
void ProxyExchange::abort_for_client() {
    if (retired_) return;
    log_upstream(log::Level::info, "client prematurely closed connection");
    phase_ = Phase::done;
    end_try(PeerOutcome::success);
    close_connection();
    if (response_begun_)
        out_.end_response(false);
    else
        out_.close_without_response();
    retire();
}

void ProxyExchange::on_output_sent() {
    if (retired_ || !relay_) return;
    relay_->on_output_sent();
    if (phase_ == Phase::reading_body && relay_->wants_more()) read_body();
}

void ProxyExchange::on_client_gone() {
    client_gone_ = true;
    if (*settings().ignore_client_abort) return;
    loop().defer([this] { abort_for_client(); });
}

}  // namespace strata::web
